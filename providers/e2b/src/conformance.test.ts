import { fileURLToPath } from 'node:url';
import { runProviderConformance } from '@codebolt/provider/testing';
import { afterAll } from 'vitest';
import { STAND_IN_TEMPLATE, standInEnvironment, startStandIn } from './test-support/stand-in.js';

// The conformance kit against the E2B stand-in (test/stand-ins/e2b): the real `e2b` SDK in the
// provider process, pointed at the stand-in through E2B_API_URL / E2B_SANDBOX_URL; every
// sandbox runs a real runtime that dials back. Live E2B: see live-conformance.test.ts.
const standIn = await startStandIn();
afterAll(() => standIn.close());

runProviderConformance({
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  config: () => ({ template: STAND_IN_TEMPLATE }),
  providerEnv: () => standInEnvironment(standIn),
  invalidConfig: { config: { template: STAND_IN_TEMPLATE, timeoutMs: 5 }, field: 'timeoutMs' },
  credentialError: { config: { template: STAND_IN_TEMPLATE, apiKey: 'e2b_wrong_key' } },
  // Asks the stand-in itself, not the provider.
  resourceExists: async (resourceId) => standIn.sandboxes.has(resourceId),
  testTimeoutMs: 120_000,
});
