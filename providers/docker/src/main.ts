#!/usr/bin/env node
// The Docker provider's process: the relay spawns `node dist/main.js` with CODEBOLT_RELAY_URL,
// CODEBOLT_PROVIDER_TOKEN and CODEBOLT_INSTALLATION_ID set (and DOCKER_HOST passed through).
// Exit codes: 0 stopped (stdin ended), 1 failed (relay refused or unreachable), 2 misconfigured.
import { requiredEnvironment, runProviderMain } from '@codebolt/provider';
import { createDockerProvider } from './create-docker-provider.js';

runProviderMain('docker', () =>
  createDockerProvider({
    installationId: requiredEnvironment(
      'CODEBOLT_INSTALLATION_ID',
      'the relay sets it when it spawns the provider. To run this by hand, set it to the id in <data dir>/installation.json',
    ),
  }),
);
