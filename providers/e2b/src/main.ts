#!/usr/bin/env node
// The E2B provider's process: the relay spawns `node dist/main.js` with CODEBOLT_RELAY_URL,
// CODEBOLT_PROVIDER_TOKEN and CODEBOLT_INSTALLATION_ID set (and E2B_API_KEY, E2B_API_URL,
// E2B_DOMAIN, E2B_SANDBOX_URL passed through when the relay has them).
// Exit codes: 0 stopped (stdin ended), 1 failed (relay refused or unreachable), 2 misconfigured.
import { requiredEnvironment, runProviderMain } from '@codebolt/provider';
import { createE2bProvider } from './create-e2b-provider.js';

runProviderMain('e2b', () =>
  createE2bProvider({
    installationId: requiredEnvironment(
      'CODEBOLT_INSTALLATION_ID',
      'the relay sets it when it spawns the provider. To run this by hand, set it to the id in <data dir>/installation.json',
    ),
  }),
);
