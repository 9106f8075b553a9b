#!/usr/bin/env node
// The local provider's process: the relay spawns `node dist/main.js` with CODEBOLT_HOME,
// CODEBOLT_RELAY_URL and CODEBOLT_PROVIDER_TOKEN set and stdin as a pipe.
// Exit codes: 0 stopped (stdin ended), 1 failed (relay refused or unreachable), 2 misconfigured.
import { requiredEnvironment, runProviderMain } from '@codebolt/provider';
import { createLocalProvider } from './create-local-provider.js';

runProviderMain('local', () =>
  createLocalProvider({
    home: requiredEnvironment(
      'CODEBOLT_HOME',
      'the relay sets it to its data dir when it spawns the provider. To run this by hand, set CODEBOLT_HOME to an absolute directory',
    ),
  }),
);
