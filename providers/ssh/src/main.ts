#!/usr/bin/env node
// The SSH provider's process: the relay spawns `node dist/main.js` with CODEBOLT_RELAY_URL,
// CODEBOLT_PROVIDER_TOKEN and CODEBOLT_INSTALLATION_ID set (and SSH_AUTH_SOCK passed through).
// Exit codes: 0 stopped (stdin ended), 1 failed (relay refused or unreachable), 2 misconfigured.
import { requiredEnvironment, runProviderMain } from '@codebolt/provider';
import { createSshProvider } from './create-ssh-provider.js';

runProviderMain('ssh', () =>
  createSshProvider({
    installationId: requiredEnvironment(
      'CODEBOLT_INSTALLATION_ID',
      'the relay sets it when it spawns the provider. To run this by hand, set it to the id in <data dir>/installation.json',
    ),
  }),
);
