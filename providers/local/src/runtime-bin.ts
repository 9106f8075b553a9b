import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CodeboltError } from '@codebolt/protocol';

/**
 * The default runtime program: `@codebolt/runtime`'s `dist/bin.js`, found from this package.
 * Throws `provider-error` saying how to fix it when the runtime package is missing or unbuilt.
 */
export function resolveDefaultRuntimeBin(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('@codebolt/runtime/package.json')), 'dist', 'bin.js');
  } catch {
    // The runtime's exports map may not expose package.json; its "./bin" export names the file.
  }
  try {
    return require.resolve('@codebolt/runtime/bin');
  } catch (error) {
    throw new CodeboltError(
      'provider-error',
      'cannot find @codebolt/runtime\'s dist/bin.js: install and build @codebolt/runtime (pnpm build), or pass runtimeBin to createLocalProvider',
      { cause: error },
    );
  }
}
