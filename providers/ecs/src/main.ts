#!/usr/bin/env node
// The ECS provider's process: the relay spawns `node dist/main.js` with CODEBOLT_RELAY_URL,
// CODEBOLT_PROVIDER_TOKEN, CODEBOLT_INSTALLATION_ID and CODEBOLT_HOME set, and the AWS_* variables listed in
// package.json `inheritEnv` passed through for the SDK's credential chain.
// Exit codes: 0 stopped (stdin ended), 1 failed (relay refused or unreachable), 2 misconfigured.
import { requiredEnvironment, runProviderMain } from '@codebolt/provider';
import { createEcsProvider } from './create-ecs-provider.js';

runProviderMain('ecs', () =>
  createEcsProvider({
    installationId: requiredEnvironment(
      'CODEBOLT_INSTALLATION_ID',
      'the relay sets it when it spawns the provider. To run this by hand, set it to the id in <data dir>/installation.json',
    ),
    home: requiredEnvironment('CODEBOLT_HOME', 'the relay sets it to its data dir when it spawns the provider. To run this by hand, set CODEBOLT_HOME to an absolute directory'),
  }),
);
