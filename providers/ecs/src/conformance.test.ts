// The conformance kit for the ECS provider. By default against the ECS stand-in server
// (test/stand-ins/ecs — NOT AWS): the real @aws-sdk/client-ecs in the provider process talks the
// ECS JSON protocol to it, and every task it runs is a real runtime process that dials back.
// With CODEBOLT_ECS_CLUSTER and friends set (see ../README.md), the same suite runs against
// real Amazon ECS instead.
import { fileURLToPath } from 'node:url';
import { runProviderConformance } from '@codebolt/provider/testing';
import { afterAll } from 'vitest';
import { liveWorld } from './test-support/live.js';
import { startStandInWorld } from './test-support/stand-in.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const live = await liveWorld();

if (live) {
  afterAll(() => live.close());
  runProviderConformance({
    packageDir,
    config: () => live.config,
    providerEnv: () => live.awsEnv,
    relay: live.relay,
    invalidConfig: { config: { ...live.config, launchType: 'LAMBDA' }, field: 'launchType' },
    ...(live.wrongProfile ? { credentialError: { config: { ...live.config, profile: live.wrongProfile } } } : {}),
    stopSemantics: 'ends',
    resourceExists: (resourceId) => live.resourceExists(resourceId),
    testTimeoutMs: 900_000,
  });
} else {
  const world = await startStandInWorld();
  afterAll(() => world.close());
  runProviderConformance({
    packageDir,
    config: () => world.config,
    providerEnv: () => world.awsEnv,
    invalidConfig: { config: { ...world.config, launchType: 'LAMBDA' }, field: 'launchType' },
    credentialError: { config: { ...world.config, profile: 'wrong' } },
    stopSemantics: 'ends',
    resourceExists: async (resourceId) => world.standIn.taskExists(resourceId),
  });
}
