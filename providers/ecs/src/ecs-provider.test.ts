// Failure cases of the ECS provider, in-process, with the real @aws-sdk/client-ecs talking to the
// ECS stand-in server (test/stand-ins/ecs — NOT AWS) whose tasks are real runtime processes.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeboltError } from '@codebolt/protocol';
import type { StartContext } from '@codebolt/provider';
import { KitRelay } from '@codebolt/provider/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEcsProvider } from './create-ecs-provider.js';
import type { EcsConfig } from './ecs-config.js';
import { STOP_REASONS, TAGS, startedByFor } from './ecs-ownership.js';
import type { EcsProvider } from './ecs-provider.js';
import { DENIED_ACCESS_KEY_ID, GOOD_ACCESS_KEY_ID, WRONG_ACCESS_KEY_ID, startStandInWorld, type StandInWorld } from './test-support/stand-in.js';

const signal = new AbortController().signal;
let world: StandInWorld;
let relay: KitRelay;
let installationId: string;
let provider: EcsProvider;
const savedEnv = { ...process.env };

beforeAll(() => {
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
});

afterAll(() => {
  process.env = savedEnv;
});

beforeEach(async () => {
  world = await startStandInWorld({ maxRunningTasks: 3 });
  Object.assign(process.env, world.awsEnv);
  relay = await KitRelay.start();
  installationId = `test-${randomBytes(4).toString('hex')}`;
  provider = createEcsProvider({ installationId });
});

afterEach(async () => {
  await relay.close();
  await world.close();
});

function config(extra: Partial<EcsConfig> = {}): EcsConfig {
  return { ...(world.config as EcsConfig), ...extra };
}

function startContext(environmentId: string, extra: Partial<EcsConfig> = {}, creationToken = `ct-${environmentId}`): StartContext<EcsConfig> & { token: string } {
  const token = relay.issueRuntimeToken(environmentId);
  return { environment: { id: environmentId, name: environmentId, tenant: 'acme' }, config: config(extra), creationToken, runtime: { url: relay.runtimeUrl, token }, signal, token };
}

function resourceContext(environmentId: string, extra: Partial<EcsConfig> = {}) {
  return { environment: { id: environmentId, name: environmentId, tenant: 'acme' }, config: config(extra), signal };
}

async function failure(promise: Promise<unknown>): Promise<CodeboltError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CodeboltError);
  return error as CodeboltError;
}

const notStopped = () => world.standIn.describe().filter((task) => task.lastStatus !== 'STOPPED');

describe('EcsProvider against the ECS stand-in', () => {
  it('runs the task as asked: cluster, task definition, launch type, network, tags, startedBy, and the token only in the container overrides', async () => {
    const context = startContext('env-shape');
    const { resourceId } = await provider.create(context);
    await relay.runtime(context.token, 'the runtime to dial back');

    const [task] = world.standIn.describe();
    expect(task).toMatchObject({
      taskArn: resourceId,
      clusterArn: expect.stringMatching(/:cluster\/codebolt-test$/),
      taskDefinitionArn: expect.stringMatching(/:task-definition\/codebolt-runtime:3$/),
      launchType: 'FARGATE',
      startedBy: startedByFor(installationId),
      desiredStatus: 'RUNNING',
    });
    expect(startedByFor(installationId)).toMatch(/^[A-Za-z0-9_/-]{1,36}$/);
    expect(task!.tags).toEqual(
      expect.arrayContaining([
        { key: TAGS.installation, value: installationId },
        { key: TAGS.environment, value: 'env-shape' },
        { key: TAGS.creationToken, value: 'ct-env-shape' },
      ]),
    );
    const environment = (task!.overrides as { containerOverrides: Array<{ name: string; environment: Array<{ name: string; value: string }> }> }).containerOverrides[0]!;
    expect(environment.name).toBe('runtime');
    expect(environment.environment).toEqual(expect.arrayContaining([{ name: 'CODEBOLT_RUNTIME_URL', value: relay.runtimeUrl }, { name: 'CODEBOLT_RUNTIME_TOKEN', value: context.token }]));
    expect(JSON.stringify({ ...task, overrides: undefined })).not.toContain(context.token);
    expect(world.standIn.calls.every((call) => call.accessKeyId === GOOD_ACCESS_KEY_ID)).toBe(true);
    await provider.destroy(resourceId, resourceContext('env-shape'));
  });

  it('a wrong access key is unauthorized, with the fix in the message; nothing runs', async () => {
    const error = await failure(provider.create(startContext('env-wrong', { profile: 'wrong' })));

    expect(error.code).toBe('unauthorized');
    expect(error.message).toContain('UnrecognizedClientException');
    expect(error.message).toContain('AWS_ACCESS_KEY_ID');
    expect(world.standIn.calls.length).toBeGreaterThan(0);
    expect(world.standIn.calls.every((call) => call.accessKeyId === WRONG_ACCESS_KEY_ID)).toBe(true);
    expect(world.standIn.describe()).toEqual([]);
  });

  it('an identity without ECS permissions is forbidden, naming the IAM actions it needs', async () => {
    const error = await failure(provider.list({ config: config({ profile: 'denied' }), signal }));

    expect(error.code).toBe('forbidden');
    expect(error.message).toContain('ecs:ListTasks');
    expect(error.message).toContain('docs/providers/ecs.md');
    expect(world.standIn.calls.at(-1)?.accessKeyId).toBe(DENIED_ACCESS_KEY_ID);
  });

  it('an account at its task quota is backend-quota-exceeded, and no extra task is left', async () => {
    const made: string[] = [];
    for (const id of ['env-q1', 'env-q2', 'env-q3']) made.push((await provider.create(startContext(id))).resourceId);

    const error = await failure(provider.create(startContext('env-q4', { maxAttempts: 2 })));

    expect(error.code).toBe('backend-quota-exceeded');
    expect(error.message).toContain('limit on the number of vCPUs');
    expect(error.message).toContain('codebolt env delete');
    expect(notStopped()).toHaveLength(3);
    for (const [index, resourceId] of made.entries()) await provider.destroy(resourceId, resourceContext(`env-q${index + 1}`));
  });

  it('a task whose container died behind our back is gone, with the stop reason', async () => {
    const context = startContext('env-killed');
    const { resourceId } = await provider.create(context);
    const runtime = await relay.runtime(context.token, 'the runtime to dial back');

    await world.standIn.killContainer(resourceId);
    await runtime.waitClosed('the killed runtime to disconnect');
    const attached = await provider.attach(resourceId, resourceContext('env-killed'));

    expect(attached.status).toBe('gone');
    expect(attached.detail).toContain('EssentialContainerExited');
    expect(attached.detail).toContain('Essential container in task exited');
    expect(attached.detail).toContain('exited 137');
    expect(await provider.list({ config: config(), signal })).toEqual([]);
    await provider.destroy(resourceId, resourceContext('env-killed'));
  });

  it('stop is a StopTask with our reason (attach: stopped); a task ECS has forgotten is gone, and destroying it succeeds', async () => {
    const context = startContext('env-stop');
    const { resourceId } = await provider.create(context);
    await relay.runtime(context.token, 'the runtime to dial back');

    await provider.stop(resourceId, resourceContext('env-stop'));
    expect(world.standIn.describe()[0]).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: STOP_REASONS.stop });
    expect(await provider.attach(resourceId, resourceContext('env-stop'))).toMatchObject({ status: 'stopped' });

    await world.standIn.forget(resourceId);
    const forgotten = await provider.attach(resourceId, resourceContext('env-stop'));
    expect(forgotten.status).toBe('gone');
    expect(forgotten.detail).toContain('MISSING');
    await provider.destroy(resourceId, resourceContext('env-stop'));
  });

  it('with a data dir, an environment whose stopped task ECS has forgotten still starts, as a new task', async () => {
    const home = await mkdtemp(join(tmpdir(), 'codebolt-ecs-home-'));
    try {
      const remembering = createEcsProvider({ installationId, home });
      const context = startContext('env-remembered');
      const { resourceId } = await remembering.create(context);
      await relay.runtime(context.token, 'the runtime to dial back');
      await remembering.stop(resourceId, resourceContext('env-remembered'));
      await world.standIn.forget(resourceId);

      expect(await remembering.attach(resourceId, resourceContext('env-remembered'))).toMatchObject({ status: 'stopped', detail: expect.stringContaining('forgotten') });
      const restart = startContext('env-remembered');
      const started = await remembering.providerStart(
        { environment: restart.environment, resourceId, creationToken: restart.creationToken, config: restart.config as Record<string, unknown>, runtime: restart.runtime },
        signal,
      );
      expect(started.outcome).toBe('resumed');
      expect(started.resourceId).not.toBe(resourceId);
      await relay.runtime(restart.token, 'the new task\'s runtime to dial back');
      expect(await readdir(join(home, 'ecs', 'stopped-tasks'))).toEqual([]);

      await remembering.destroy(started.resourceId, resourceContext('env-remembered'));
      expect(await remembering.attach(started.resourceId, resourceContext('env-remembered'))).toMatchObject({ status: 'gone' });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('a RunTask answer lost to the request timeout is retried with the same clientToken: one task, not two', async () => {
    world.standIn.delayNextRunTaskReply(4_000);
    const context = startContext('env-timeout', { requestTimeoutMs: 1_500 });

    const { resourceId } = await provider.create(context);
    await relay.runtime(context.token, 'the runtime to dial back');

    expect(world.standIn.calls.filter((call) => call.operation === 'RunTask')).toHaveLength(2);
    expect(world.standIn.describe().map((task) => task.taskArn)).toEqual([resourceId]);

    // The relay retrying the create (same creation token, same runtime token) gets the same task too.
    const again = await provider.create({ ...context, config: config() });
    expect(again.resourceId).toBe(resourceId);
    expect(world.standIn.describe()).toHaveLength(1);
    await provider.destroy(resourceId, resourceContext('env-timeout'));
  });

  it('a create retried with a fresh runtime token stops the task that holds the stale one and runs exactly one new task', async () => {
    const first = startContext('env-retry');
    const { resourceId: stale } = await provider.create(first);

    const second = { ...startContext('env-retry'), creationToken: first.creationToken };
    const { resourceId } = await provider.create(second);
    await relay.runtime(second.token, 'the runtime with the fresh token to dial back');

    expect(resourceId).not.toBe(stale);
    expect(notStopped().map((task) => task.taskArn)).toEqual([resourceId]);
    expect(world.standIn.describe().find((task) => task.taskArn === stale)).toMatchObject({ lastStatus: 'STOPPED', stoppedReason: STOP_REASONS.superseded });
    await provider.destroy(resourceId, resourceContext('env-retry'));
  });

  it('a start retried with a fresh runtime token (the first answer was lost) stops the task of the first attempt', async () => {
    const context = startContext('env-restart');
    const { resourceId } = await provider.create(context);
    await relay.runtime(context.token, 'the runtime to dial back');
    await provider.stop(resourceId, resourceContext('env-restart'));

    const lost = await provider.start(resourceId, startContext('env-restart'));
    const retry = startContext('env-restart');
    const { resourceId: current } = await provider.start(resourceId, retry);
    await relay.runtime(retry.token, 'the runtime of the retried start to dial back');

    expect(current).not.toBe(lost.resourceId);
    expect(notStopped().map((task) => task.taskArn)).toEqual([current]);
    expect(world.standIn.describe().find((task) => task.taskArn === lost.resourceId)).toMatchObject({ lastStatus: 'STOPPED', stoppedReason: STOP_REASONS.superseded });
    expect(await provider.start(resourceId, retry)).toEqual({ resourceId: current });
    expect(notStopped()).toHaveLength(1);
    await provider.destroy(current, resourceContext('env-restart'));
  });

  it('a transient ECS failure makes attach throw backend-unavailable, never answer gone', async () => {
    const context = startContext('env-transient');
    const { resourceId } = await provider.create(context);
    world.standIn.failNext('DescribeTasks', 2, 'ServerException', 'Service is temporarily unavailable');

    const error = await failure(provider.attach(resourceId, resourceContext('env-transient', { maxAttempts: 2 })));

    expect(error.code).toBe('backend-unavailable');
    expect(error.message).toContain('ServerException');
    expect(await provider.attach(resourceId, resourceContext('env-transient'))).toMatchObject({ status: 'running' });
    await provider.destroy(resourceId, resourceContext('env-transient'));
  });

  it('a missing cluster or task definition is invalid-config naming the field', async () => {
    const cluster = await failure(provider.create(startContext('env-cluster', { cluster: 'nope' })));
    expect(cluster.code).toBe('invalid-config');
    expect(cluster.message).toContain('cluster');
    expect(cluster.message).toContain('ClusterNotFoundException');

    const definition = await failure(provider.create(startContext('env-definition', { taskDefinition: 'nope:1' })));
    expect(definition.code).toBe('invalid-config');
    expect(definition.message).toContain('taskDefinition');

    const subnets = await failure(provider.create(startContext('env-subnets', { subnets: [] })));
    expect(subnets.code).toBe('invalid-config');
    expect(subnets.message).toContain('subnets');
    expect(world.standIn.describe()).toEqual([]);
  });

  it('health answers ok with working credentials and says what is wrong otherwise', async () => {
    expect(await provider.health({ config: config(), signal })).toEqual({ ok: true });
    const wrong = await provider.health({ config: config({ profile: 'wrong' }), signal });
    expect(wrong.ok).toBe(false);
    expect(wrong.message).toContain('UnrecognizedClientException');
    const cluster = await provider.health({ config: config({ cluster: 'elsewhere' }), signal });
    expect(cluster).toMatchObject({ ok: false, message: expect.stringContaining('ClusterNotFoundException') });
  });

  it("list shows only this installation's running tasks", async () => {
    const other = createEcsProvider({ installationId: `${installationId}-other` });
    const mine = await provider.create(startContext('env-mine'));
    const theirs = await other.create(startContext('env-theirs'));

    expect(await provider.list({ config: config(), signal })).toEqual([{ resourceId: mine.resourceId, environmentId: 'env-mine', status: 'running' }]);
    expect(await other.list({ config: config(), signal })).toEqual([{ resourceId: theirs.resourceId, environmentId: 'env-theirs', status: 'running' }]);
    expect(await provider.attach(theirs.resourceId, resourceContext('env-theirs'))).toMatchObject({ status: 'gone' });
    await provider.destroy(mine.resourceId, resourceContext('env-mine'));
    await other.destroy(theirs.resourceId, resourceContext('env-theirs'));
  });
});
