#!/usr/bin/env node
// The process the relay spawns: `node src/main.js` with CODEBOLT_HOME, CODEBOLT_RELAY_URL and CODEBOLT_PROVIDER_TOKEN.
import { runProvider } from '@codebolt/provider';
import { ScratchProvider } from './scratch-provider.js';

runProvider(new ScratchProvider({ home: process.env.CODEBOLT_HOME })).then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`scratch provider: ${error.code ?? 'error'}: ${error.message}\n`);
    process.exit(1);
  },
);
