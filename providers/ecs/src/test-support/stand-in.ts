import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EcsStandIn, type EcsStandInOptions } from '../../../../test/stand-ins/ecs/ecs-stand-in.js';

export { EcsStandIn };

/** The access key the stand-in accepts, and one it does not (a "wrong credential"). */
export const GOOD_ACCESS_KEY_ID = 'AKIASTANDINGOOD00001';
export const WRONG_ACCESS_KEY_ID = 'AKIASTANDINWRONG0002';
/** Authenticates, but may call nothing (AccessDeniedException). */
export const DENIED_ACCESS_KEY_ID = 'AKIASTANDINDENIED003';

export const STAND_IN_CLUSTER = 'codebolt-test';
export const STAND_IN_TASK_DEFINITION = 'codebolt-runtime';
export const STAND_IN_CONTAINER = 'runtime';

/** A stand-in ECS server plus an AWS config dir whose `default` profile it accepts and whose `wrong` profile it refuses. */
export interface StandInWorld {
  standIn: EcsStandIn;
  /** Environment of a provider process: the shared AWS files, no IMDS lookups. */
  awsEnv: Record<string, string>;
  /** A valid provider config pointing at the stand-in. */
  config: Record<string, unknown>;
  close(): Promise<void>;
}

export async function startStandInWorld(options: Partial<EcsStandInOptions> = {}): Promise<StandInWorld> {
  const standIn = await EcsStandIn.start({
    accessKeyIds: [GOOD_ACCESS_KEY_ID],
    deniedAccessKeyIds: [DENIED_ACCESS_KEY_ID],
    clusters: [STAND_IN_CLUSTER],
    taskDefinitions: [{ family: STAND_IN_TASK_DEFINITION, revision: 3, containerName: STAND_IN_CONTAINER, networkMode: 'awsvpc' }],
    ...options,
  });
  const awsDir = await mkdtemp(join(tmpdir(), 'codebolt-ecs-aws-'));
  await writeFile(
    join(awsDir, 'credentials'),
    `[default]\naws_access_key_id = ${GOOD_ACCESS_KEY_ID}\naws_secret_access_key = stand-in-secret-good\n\n[wrong]\naws_access_key_id = ${WRONG_ACCESS_KEY_ID}\naws_secret_access_key = stand-in-secret-wrong\n\n[denied]\naws_access_key_id = ${DENIED_ACCESS_KEY_ID}\naws_secret_access_key = stand-in-secret-denied\n`,
    { mode: 0o600 },
  );
  await writeFile(join(awsDir, 'config'), '[default]\nregion = us-east-1\n\n[profile wrong]\nregion = us-east-1\n\n[profile denied]\nregion = us-east-1\n', { mode: 0o600 });
  return {
    standIn,
    awsEnv: { AWS_SHARED_CREDENTIALS_FILE: join(awsDir, 'credentials'), AWS_CONFIG_FILE: join(awsDir, 'config'), AWS_EC2_METADATA_DISABLED: 'true' },
    config: {
      cluster: STAND_IN_CLUSTER,
      taskDefinition: `${STAND_IN_TASK_DEFINITION}:3`,
      containerName: STAND_IN_CONTAINER,
      launchType: 'FARGATE',
      subnets: ['subnet-0standin0000000001'],
      securityGroups: ['sg-0standin000000001'],
      region: 'us-east-1',
      endpoint: standIn.endpoint,
      stopWaitMs: 30_000,
    },
    async close() {
      try {
        await standIn.close();
      } finally {
        await rm(awsDir, { recursive: true, force: true });
      }
    },
  };
}
