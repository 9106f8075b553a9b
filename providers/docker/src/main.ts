#!/usr/bin/env node
// The Docker provider's process: the relay spawns `node dist/main.js` with CODEBOLT_RELAY_URL,
// CODEBOLT_PROVIDER_TOKEN and CODEBOLT_INSTALLATION_ID set (and DOCKER_HOST passed through).
// Exit codes: 0 stopped (stdin ended), 1 failed (relay refused or unreachable), 2 misconfigured.
import { CodeboltError } from '@codebolt/protocol';
import { runProvider } from '@codebolt/provider';
import { createDockerProvider } from './create-docker-provider.js';

function fail(error: unknown): never {
  const failure = CodeboltError.from(error, error instanceof Error ? error.message : String(error));
  process.stderr.write(`codebolt provider docker: ${failure.code}: ${failure.message}\n`);
  process.exit(failure.code === 'invalid-config' ? 2 : 1);
}

const installationId = process.env.CODEBOLT_INSTALLATION_ID;
if (installationId === undefined || installationId === '') {
  fail(new CodeboltError('invalid-config', 'CODEBOLT_INSTALLATION_ID is not set; the relay sets it when it spawns the provider. To run this by hand, set it to the id in <data dir>/installation.json'));
}
try {
  runProvider(createDockerProvider({ installationId })).then(() => process.exit(0), fail);
} catch (error) {
  fail(error);
}
