import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ENTRY = fileURLToPath(new URL('./index.ts', import.meta.url));
/** Generous ceiling for the minified+gzipped browser bundle (zod and the protocol schemas included; measured about 102 KiB); the README states the measured size. */
const MAX_GZIPPED_BYTES = 160 * 1024;

/** Node-only modules that must never reach a browser bundle. */
const NODE_ONLY = new Set([...builtinModules, 'ws']);

/** Records every import of a Node built-in (`node:*`, `fs`, …) or `ws` that esbuild would have to resolve. */
function nodeOnlyImports(found: string[]): Plugin {
  return {
    name: 'node-only-imports',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.startsWith('node:') ? args.path.slice(5) : args.path;
        const root = bare.split('/')[0]!;
        if (args.path.startsWith('node:') || NODE_ONLY.has(root)) found.push(`${args.path} (from ${args.importer})`);
        return undefined;
      });
    },
  };
}

describe('browser build of @codebolt/sdk', () => {
  it('bundles for platform browser without any Node built-in or ws, and stays small', async () => {
    const found: string[] = [];
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [nodeOnlyImports(found)],
    });
    // `ws` is only loaded when there is no global WebSocket, and package.json `browser` maps it to
    // nothing: esbuild may see the import but must not bundle any of its code.
    const bundledInputs = Object.keys(result.metafile.inputs).filter((input) => !input.startsWith('(disabled):'));
    expect(bundledInputs.filter((input) => /node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?ws\//.test(input))).toEqual([]);
    expect(found.filter((entry) => !entry.startsWith('ws '))).toEqual([]);

    const code = result.outputFiles[0]!.contents;
    const text = new TextDecoder().decode(code);
    expect(text).not.toMatch(/require\(["'](node:)?(fs|net|tls|http|https|crypto|stream|events|zlib)["']\)/);
    const gzipped = gzipSync(code, { level: 9 }).byteLength;
    console.log(`@codebolt/sdk browser bundle: ${code.byteLength} bytes minified, ${gzipped} bytes minified+gzipped`);
    expect(gzipped).toBeGreaterThan(1024);
    expect(gzipped).toBeLessThan(MAX_GZIPPED_BYTES);
  });
});
