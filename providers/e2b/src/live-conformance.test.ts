import { fileURLToPath } from 'node:url';
import { runProviderConformance } from '@codebolt/provider/testing';
import { Sandbox } from 'e2b';
import { describe, it } from 'vitest';
import { liveSettings } from './test-support/stand-in.js';

// LIVE MODE: the same conformance suite against E2B itself, when E2B_API_KEY and
// CODEBOLT_E2B_TEMPLATE (a template whose start command runs the Codebolt runtime) are set.
// A cloud sandbox cannot reach 127.0.0.1, so the kit relay listens on
// CODEBOLT_E2B_LIVE_RELAY_PORT and hands runtimes CODEBOLT_E2B_LIVE_RUNTIME_URL, a public
// ws(s)://…/v1/runtime address that tunnels to that port. See providers/e2b/README.md.
const live = liveSettings();
const publicRuntimeUrl = process.env.CODEBOLT_E2B_LIVE_RUNTIME_URL;
const relayPort = Number(process.env.CODEBOLT_E2B_LIVE_RELAY_PORT ?? '');

if (live && publicRuntimeUrl && Number.isInteger(relayPort) && relayPort > 0) {
  runProviderConformance({
    packageDir: fileURLToPath(new URL('..', import.meta.url)),
    config: () => ({ template: live.template, timeoutMs: 600_000 }),
    providerEnv: () => ({ E2B_API_KEY: live.apiKey, ...(process.env.E2B_DOMAIN ? { E2B_DOMAIN: process.env.E2B_DOMAIN } : {}) }),
    invalidConfig: { config: { template: live.template, timeoutMs: 5 }, field: 'timeoutMs' },
    credentialError: { config: { template: live.template, apiKey: 'e2b_0000000000000000000000000000000000000000' } },
    // Asks E2B itself, not the provider.
    resourceExists: async (resourceId) => {
      try {
        await Sandbox.getInfo(resourceId, { apiKey: live.apiKey });
        return true;
      } catch (error) {
        if ((error as Error).name === 'SandboxNotFoundError' || (error as Error).name === 'NotFoundError') return false;
        throw error;
      }
    },
    relay: { port: relayPort, publicRuntimeUrl },
    testTimeoutMs: 300_000,
  });
} else {
  describe('provider conformance: e2b (live)', () => {
    it.skip('needs E2B_API_KEY, CODEBOLT_E2B_TEMPLATE, CODEBOLT_E2B_LIVE_RELAY_PORT and CODEBOLT_E2B_LIVE_RUNTIME_URL (see providers/e2b/README.md); the stand-in suite runs instead', () => {});
  });
}
