// The ECS provider end to end through `codebolt serve` and the CLI, against the ECS stand-in
// server (test/stand-ins/ecs — NOT AWS). The relay process passes the AWS_* variables to the
// provider, whose real @aws-sdk/client-ecs talks to the stand-in; every task is a real runtime.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECS_STOP_REASONS } from '@codebolt/provider-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliEnvironment, cliJson, runCli, startRelayProcess, type RelayProcess } from './support/cli.js';
import { eventually } from './support/processes.js';
import { EcsStandIn } from './stand-ins/ecs/ecs-stand-in.js';

interface EnvironmentView {
  id: string;
  state: string;
  resourceId: string | null;
  lastError: { code: string; message: string } | null;
}

let root: string;
let standIn: EcsStandIn;
let relay: RelayProcess;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'codebolt-e2e-ecs-'));
  standIn = await EcsStandIn.start({
    accessKeyIds: ['AKIAE2ESTANDIN000001'],
    clusters: ['e2e'],
    taskDefinitions: [{ family: 'codebolt-runtime', revision: 1, containerName: 'runtime', networkMode: 'awsvpc' }],
  });
  await writeFile(join(root, 'aws-credentials'), '[default]\naws_access_key_id = AKIAE2ESTANDIN000001\naws_secret_access_key = e2e-secret\n', { mode: 0o600 });
  await writeFile(join(root, 'aws-config'), '[default]\nregion = us-east-1\n', { mode: 0o600 });
  const aws = { AWS_SHARED_CREDENTIALS_FILE: join(root, 'aws-credentials'), AWS_CONFIG_FILE: join(root, 'aws-config'), AWS_EC2_METADATA_DISABLED: 'true' };
  relay = await startRelayProcess(join(root, 'data'), 0, aws);
  env = cliEnvironment(join(root, 'data'));
});

afterEach(async () => {
  const problems: string[] = [];
  try {
    if (relay.child.exitCode === null) {
      for (const environment of await cliJson<Array<{ id: string }>>(['env', 'list'], env)) {
        const result = await runCli(['env', 'delete', environment.id], env);
        if (result.code !== 0) problems.push(`env delete ${environment.id} exited ${result.code}: ${result.stderr}`);
      }
    }
    const left = standIn.describe().filter((task) => task.lastStatus !== 'STOPPED');
    if (left.length > 0) problems.push(`tasks left running: ${left.map((task) => task.taskArn).join(', ')}`);
  } finally {
    await relay.stop('SIGTERM');
    await standIn.close();
    await rm(root, { recursive: true, force: true });
  }
  if (problems.length > 0) throw new Error(`cleanup failed:\n${problems.join('\n')}`);
});

describe('the ecs provider through the CLI, against the ECS stand-in', () => {
  it('configure once, create, exec, stop (task ends), start (new task), and a task that dies on its own is reported with its stop reason', async () => {
    const configure = await runCli(
      ['provider', 'configure', 'ecs', '--config', 'cluster=e2e', '--config', 'taskDefinition=codebolt-runtime', '--config', 'containerName=runtime', '--config', 'subnets=["subnet-0e2e"]', '--config', `endpoint=${standIn.endpoint}`],
      env,
    );
    expect(configure.code, configure.stderr).toBe(0);

    const created = await cliJson<EnvironmentView>(['env', 'create', 'cloudy', '--provider', 'ecs'], env);
    expect(created).toMatchObject({ state: 'running', resourceId: expect.stringMatching(/^arn:aws:ecs:us-east-1:\d{12}:task\/e2e\/[0-9a-f]{32}$/) });
    expect(await runCli(['env', 'exec', created.id, '--', 'sh', '-c', 'echo hello-from-ecs'], env)).toMatchObject({ code: 0, stdout: 'hello-from-ecs\n' });

    expect((await cliJson<EnvironmentView>(['env', 'stop', created.id], env)).state).toBe('stopped');
    expect(standIn.describe().find((task) => task.taskArn === created.resourceId)).toMatchObject({ lastStatus: 'STOPPED', stoppedReason: ECS_STOP_REASONS.stop });

    const started = await cliJson<EnvironmentView>(['env', 'start', created.id], env);
    expect(started.state).toBe('running');
    expect(started.resourceId).not.toBe(created.resourceId);
    expect(standIn.taskExists(started.resourceId!)).toBe(true);
    expect(await runCli(['env', 'exec', created.id, '--', 'sh', '-c', 'echo again'], env)).toMatchObject({ code: 0, stdout: 'again\n' });

    await standIn.killContainer(started.resourceId!);
    const failed = await eventually(async () => {
      const view = await cliJson<EnvironmentView>(['env', 'get', created.id], env);
      return view.state === 'error' ? view : undefined;
    }, 'the environment to go to error after its task died');
    expect(failed.lastError).toMatchObject({ code: 'resource-gone' });
    expect(failed.lastError!.message).toContain('EssentialContainerExited');

    // The runtime tokens went to ECS as container overrides only: never into the relay's output or the provider's log.
    const tokens = standIn.describe().map((task) => (task.overrides as { containerOverrides: Array<{ environment: Array<{ name: string; value: string }> }> }).containerOverrides[0]!.environment.find((pair) => pair.name === 'CODEBOLT_RUNTIME_TOKEN')!.value);
    expect(tokens).toHaveLength(2);
    const providerLog = await readFile(join(root, 'data', 'logs', created.id, 'provider.log'), 'utf8');
    expect(providerLog).not.toBe('');
    for (const token of tokens) {
      expect(token.length).toBeGreaterThan(20);
      expect(relay.output()).not.toContain(token);
      expect(providerLog).not.toContain(token);
    }
  });
});
