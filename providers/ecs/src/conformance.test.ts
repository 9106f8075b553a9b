// The conformance kit against the ECS stand-in server (test/stand-ins/ecs — NOT AWS): the real
// @aws-sdk/client-ecs in the provider process talks the ECS JSON protocol to it, and every task
// it runs is a real runtime process that dials back. Live mode (real ECS): see ../README.md.
import { fileURLToPath } from 'node:url';
import { runProviderConformance } from '@codebolt/provider/testing';
import { afterAll } from 'vitest';
import { startStandInWorld } from './test-support/stand-in.js';

const world = await startStandInWorld();
afterAll(() => world.close());

runProviderConformance({
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  config: () => world.config,
  providerEnv: () => world.awsEnv,
  invalidConfig: { config: { ...world.config, launchType: 'LAMBDA' }, field: 'launchType' },
  credentialError: { config: { ...world.config, profile: 'wrong' } },
  stopSemantics: 'ends',
  resourceExists: async (resourceId) => world.standIn.taskExists(resourceId),
});
