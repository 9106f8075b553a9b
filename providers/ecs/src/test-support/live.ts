// Live mode: the same conformance suite against real Amazon ECS. Off unless CODEBOLT_ECS_CLUSTER
// is set; see ../../README.md for the variables, the task definition and the network path.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTasksCommand, ECSClient } from '@aws-sdk/client-ecs';

export interface LiveWorld {
  config: Record<string, unknown>;
  awsEnv: Record<string, string>;
  /** A profile whose keys are wrong, when the run's own credentials come from AWS_ACCESS_KEY_ID (else undefined). */
  wrongProfile: string | undefined;
  relay: { host: string; port: number; publicUrl: string };
  resourceExists(taskArn: string): Promise<boolean>;
  close(): Promise<void>;
}

const WRONG_PROFILE = 'codebolt-conformance-wrong';

/** The live world from the environment, or undefined when CODEBOLT_ECS_CLUSTER is not set. Throws naming the missing variable otherwise. */
export async function liveWorld(env: NodeJS.ProcessEnv = process.env): Promise<LiveWorld | undefined> {
  if (!env.CODEBOLT_ECS_CLUSTER) return undefined;
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`live ECS mode (CODEBOLT_ECS_CLUSTER is set) needs ${name}; see providers/ecs/README.md`);
    return value;
  };
  const list = (value: string | undefined) => (value ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
  const config: Record<string, unknown> = {
    cluster: env.CODEBOLT_ECS_CLUSTER,
    taskDefinition: required('CODEBOLT_ECS_TASK_DEFINITION'),
    containerName: required('CODEBOLT_ECS_CONTAINER'),
    launchType: env.CODEBOLT_ECS_LAUNCH_TYPE ?? 'FARGATE',
    subnets: list(env.CODEBOLT_ECS_SUBNETS),
    securityGroups: list(env.CODEBOLT_ECS_SECURITY_GROUPS),
    assignPublicIp: env.CODEBOLT_ECS_ASSIGN_PUBLIC_IP === '1',
    // Under the kit's 90 s wait for any provider answer.
    stopWaitMs: 80_000,
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
  };
  const publicUrl = required('CODEBOLT_ECS_RELAY_PUBLIC_URL');
  const port = Number(required('CODEBOLT_ECS_RELAY_PORT'));
  const awsEnv = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[0].startsWith('AWS_') && entry[1] !== undefined));
  let awsDir: string | undefined;
  if (env.AWS_ACCESS_KEY_ID) {
    awsDir = await mkdtemp(join(tmpdir(), 'codebolt-ecs-live-'));
    await writeFile(join(awsDir, 'credentials'), `[${WRONG_PROFILE}]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n`, { mode: 0o600 });
    awsEnv.AWS_SHARED_CREDENTIALS_FILE = join(awsDir, 'credentials');
  }
  const client = new ECSClient(env.AWS_REGION ? { region: env.AWS_REGION } : {});
  return {
    config,
    awsEnv,
    wrongProfile: awsDir ? WRONG_PROFILE : undefined,
    relay: { host: env.CODEBOLT_ECS_RELAY_HOST ?? '0.0.0.0', port, publicUrl },
    async resourceExists(taskArn) {
      const answer = await client.send(new DescribeTasksCommand({ cluster: String(config.cluster), tasks: [taskArn] }));
      const task = answer.tasks?.[0];
      return task !== undefined && task.lastStatus !== 'STOPPED';
    },
    async close() {
      client.destroy();
      if (awsDir) await rm(awsDir, { recursive: true, force: true });
    },
  };
}
