import { fileURLToPath } from 'node:url';
import { runProviderConformance } from '@codebolt/provider/testing';
import { describe, it } from 'vitest';
import { anythingLeft, testEngine } from './test-support/engine.js';

const docker = await testEngine();

if (docker) {
  runProviderConformance({
    packageDir: fileURLToPath(new URL('..', import.meta.url)),
    providerEnv: (): Record<string, string> => (process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    invalidConfig: { config: { memory: 'lots' }, field: 'memory' },
    resourceExists: (_resourceId, { installationId, environmentId }) => anythingLeft(docker, installationId, environmentId),
  });
} else {
  describe('provider conformance: docker', () => {
    it.skip('needs a Docker engine (none answered; see the message above)', () => {});
  });
}
