#!/usr/bin/env node
// The worktree provider's process: the relay spawns `node dist/main.js` with CODEBOLT_HOME,
// CODEBOLT_RELAY_URL and CODEBOLT_PROVIDER_TOKEN set and stdin as a pipe.
// Exit codes: 0 stopped (stdin ended), 1 failed (relay refused or unreachable), 2 misconfigured.
import { CodeboltError } from '@codebolt/protocol';
import { runProvider } from '@codebolt/provider';
import { createWorktreeProvider } from './create-worktree-provider.js';

function fail(error: unknown): never {
  const failure = CodeboltError.from(error, error instanceof Error ? error.message : String(error));
  process.stderr.write(`codebolt provider worktree: ${failure.code}: ${failure.message}\n`);
  process.exit(failure.code === 'invalid-config' ? 2 : 1);
}

const home = process.env.CODEBOLT_HOME;
if (home === undefined || home === '') {
  fail(
    new CodeboltError(
      'invalid-config',
      'CODEBOLT_HOME is not set; the relay sets it to its data dir when it spawns the provider. To run this by hand, set CODEBOLT_HOME to an absolute directory',
    ),
  );
}

try {
  const provider = createWorktreeProvider({ home });
  runProvider(provider).then(() => process.exit(0), fail);
} catch (error) {
  fail(error);
}
