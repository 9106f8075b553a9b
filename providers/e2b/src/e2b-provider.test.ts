import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CodeboltError } from '@codebolt/protocol';
import type { StartContext } from '@codebolt/provider';
import { KitRelay } from '@codebolt/provider/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { E2bStandIn } from '../../../test/stand-ins/e2b/e2b-stand-in.js';
import { createE2bProvider } from './create-e2b-provider.js';
import type { E2bConfig } from './e2b-config.js';
import { METADATA } from './e2b-metadata.js';
import type { E2bProvider } from './e2b-provider.js';
import { STAND_IN_START_COMMAND_TEMPLATE, STAND_IN_TEMPLATE, standInEnvironment, startStandIn } from './test-support/stand-in.js';

const signal = new AbortController().signal;

let standIn: E2bStandIn;
let relay: KitRelay;
let installationId: string;
let provider: E2bProvider;
const made: Array<{ resourceId: string; environmentId: string }> = [];

beforeAll(async () => {
  standIn = await startStandIn();
});
afterAll(() => standIn.close());

beforeEach(async () => {
  relay = await KitRelay.start();
  installationId = `test-${randomBytes(4).toString('hex')}`;
  provider = createE2bProvider({ installationId, environment: standInEnvironment(standIn) });
  standIn.createReplyDelayMs = undefined;
  standIn.maxConcurrentSandboxes = undefined;
  standIn.pauseUnsupported = false;
  standIn.envdUnreachable = false;
  standIn.rateLimited = false;
});

afterEach(async () => {
  for (const { resourceId, environmentId } of made.splice(0)) {
    await provider.destroy(resourceId, { environment: environment(environmentId), config: { template: STAND_IN_TEMPLATE }, signal });
    expect(standIn.sandboxes.has(resourceId)).toBe(false);
  }
  expect([...standIn.sandboxes.values()].filter((sandbox) => sandbox.metadata[METADATA.installation] === installationId)).toEqual([]);
  await relay.close();
});

function environment(id: string) {
  return { id, name: id, tenant: 'acme' };
}

function startContext(environmentId: string, config: Partial<E2bConfig> = {}, creationToken = `ct-${environmentId}`): StartContext<E2bConfig> & { token: string } {
  const token = relay.issueRuntimeToken(environmentId);
  return { environment: environment(environmentId), config: { template: STAND_IN_TEMPLATE, ...config }, creationToken, runtime: { url: relay.runtimeUrl, token }, signal, token };
}

async function create(environmentId: string, config: Partial<E2bConfig> = {}) {
  const context = startContext(environmentId, config);
  const { resourceId } = await provider.create(context);
  made.push({ resourceId, environmentId });
  const runtime = await relay.runtime(context.token, `the runtime of ${environmentId}`);
  return { resourceId, runtime, token: context.token };
}

/** True while `pid` runs (a zombie waiting to be reaped counts as ended). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function failureOf(promise: Promise<unknown>): Promise<CodeboltError> {
  const failure = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(CodeboltError);
  return failure as CodeboltError;
}

describe('E2bProvider against the E2B stand-in', () => {
  it('tags the sandbox with metadata, hands the token over only as an env var, and sets the timeout', async () => {
    const before = Date.now();
    const { resourceId, runtime, token } = await create('env-meta', { timeoutMs: 60_000, env: { GREETING: 'hi' } });

    const sandbox = standIn.sandboxes.get(resourceId)!;
    expect(sandbox.metadata).toEqual({
      [METADATA.managed]: 'codebolt',
      [METADATA.installation]: installationId,
      [METADATA.environment]: 'env-meta',
      [METADATA.creationToken]: 'ct-env-meta',
    });
    expect(sandbox.envVars).toMatchObject({ CODEBOLT_RUNTIME_TOKEN: token, CODEBOLT_RUNTIME_URL: relay.runtimeUrl, GREETING: 'hi' });
    for (const child of sandbox.processes) expect(child.spawnargs.join(' ')).not.toContain(token);
    expect(standIn.requests.join('\n')).not.toContain(token);
    expect(sandbox.endAt.getTime()).toBeGreaterThanOrEqual(before + 60_000);
    expect(sandbox.endAt.getTime()).toBeLessThanOrEqual(Date.now() + 61_000);
    expect((await runtime.exec('sh', ['-c', 'echo "$GREETING:${CODEBOLT_RUNTIME_TOKEN:-no-token}"'])).stdout).toBe('hi:no-token\n');
  });

  it('with runtimeLaunch start-command the template start command runs the runtime from the create envs, and envd is not called', async () => {
    const starts = () => standIn.requests.filter((request) => request === 'POST /envd/process.Process/Start').length;
    const before = starts();
    const { resourceId, runtime } = await create('env-start-command', { template: STAND_IN_START_COMMAND_TEMPLATE, runtimeLaunch: 'start-command' });

    expect(starts()).toBe(before);
    expect([...standIn.sandboxes.get(resourceId)!.processes].map((child) => child.spawnargs.slice(1))).toEqual([['-l', '-c', 'codebolt-runtime']]);
    expect((await runtime.exec('sh', ['-c', 'echo from-start-command'])).stdout).toBe('from-start-command\n');
  });

  it('by default the provider starts the runtime through envd right after create', async () => {
    const starts = () => standIn.requests.filter((request) => request === 'POST /envd/process.Process/Start').length;
    const before = starts();
    await create('env-envd');
    expect(starts()).toBe(before + 1);
  });

  it('attach renews the sandbox timeout while the environment runs', async () => {
    const { resourceId } = await create('env-lease', { timeoutMs: 60_000 });
    const sandbox = standIn.sandboxes.get(resourceId)!;
    sandbox.endAt = new Date(Date.now() + 10_000); // as if most of the timeout had passed

    const attached = await provider.attach(resourceId, { environment: environment('env-lease'), config: { template: STAND_IN_TEMPLATE, timeoutMs: 60_000 }, signal });

    expect(attached.status).toBe('running');
    expect(sandbox.endAt.getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect(standIn.requests).toContain(`POST /v2/sandboxes/${resourceId}/connect`);
  });

  it('stop pauses the sandbox; start resumes it and starts a runtime with the new token through envd', async () => {
    const { resourceId, runtime } = await create('env-pause');
    await runtime.request('fs.write', { path: 'kept.txt', content: 'kept' });
    await provider.stop(resourceId, { environment: environment('env-pause'), config: { template: STAND_IN_TEMPLATE }, signal });
    await runtime.waitClosed('the runtime to go with the paused sandbox');
    expect(standIn.sandboxes.get(resourceId)?.state).toBe('paused');

    const again = startContext('env-pause');
    await provider.start(resourceId, again);
    const resumed = await relay.runtime(again.token, 'the runtime started after the resume');

    expect(standIn.sandboxes.get(resourceId)?.state).toBe('running');
    expect(standIn.requests).toContain('POST /envd/process.Process/Start');
    expect((await resumed.exec('cat', ['kept.txt'])).stdout).toBe('kept');
  });

  it('a create whose reply times out after E2B made the sandbox is adopted by the retry, not duplicated', async () => {
    standIn.createReplyDelayMs = 10_000;
    const first = startContext('env-slow', { requestTimeoutMs: 2_000 });
    const failure = await failureOf(provider.create(first));
    expect(failure.code).toBe('timeout');
    expect(failure.message).toContain('requestTimeoutMs');
    const mine = () => [...standIn.sandboxes.values()].filter((sandbox) => sandbox.metadata[METADATA.installation] === installationId);
    // E2B made it although the caller never heard back.
    await vi.waitFor(() => expect(mine()).toHaveLength(1), { timeout: 30_000, interval: 50 });

    const retry = startContext('env-slow', {}, first.creationToken);
    const { resourceId } = await provider.create(retry);
    made.push({ resourceId, environmentId: 'env-slow' });
    const runtime = await relay.runtime(retry.token, 'the runtime of the adopted sandbox, holding the retry token');

    expect(resourceId).toBe(mine()[0]!.sandboxId);
    expect(mine()).toHaveLength(1);
    expect((await runtime.exec('sh', ['-c', 'echo adopted'])).stdout).toBe('adopted\n');
  });

  it('delete ends every process of the sandbox, also one the runtime started in a process group of its own', async () => {
    const { resourceId, runtime } = await create('env-procs');
    const started = await runtime.exec('sh', ['-c', 'sleep 300 > /dev/null 2>&1 & echo $!']);
    const pid = Number(started.stdout.trim());
    expect(alive(pid)).toBe(true);

    await provider.destroy(resourceId, { environment: environment('env-procs'), config: { template: STAND_IN_TEMPLATE }, signal });
    made.splice(made.findIndex((entry) => entry.resourceId === resourceId), 1);

    await vi.waitFor(() => expect(alive(pid)).toBe(false), { timeout: 30_000, interval: 50 });
    expect(standIn.sandboxes.has(resourceId)).toBe(false);
  });

  it('a sandbox killed behind our back is gone for attach and resource-gone for start; destroy still succeeds', async () => {
    const { resourceId, runtime } = await create('env-killed');
    await standIn.killBehindBack(resourceId);
    await runtime.waitClosed('the runtime to die with its sandbox');
    const context = { environment: environment('env-killed'), config: { template: STAND_IN_TEMPLATE }, signal };

    expect((await provider.attach(resourceId, context)).status).toBe('gone');
    const failure = await failureOf(provider.start(resourceId, startContext('env-killed')));
    expect(failure.code).toBe('resource-gone');
    expect(failure.message).toContain('create it again');
    await failureOf(provider.stop(resourceId, context)).then((stopFailure) => expect(stopFailure.code).toBe('resource-gone'));
    await provider.destroy(resourceId, context);
  });

  it('while the provider runs the environment it keeps renewing the sandbox timeout; stop ends the renewals', async () => {
    provider = createE2bProvider({ installationId, environment: standInEnvironment(standIn), keepAliveIntervalMs: 200 });
    const { resourceId } = await create('env-keep', { timeoutMs: 60_000 });
    const sandbox = standIn.sandboxes.get(resourceId)!;
    sandbox.endAt = new Date(Date.now() + 5_000); // as if the timeout were about to run out

    await vi.waitFor(() => expect(sandbox.endAt.getTime()).toBeGreaterThan(Date.now() + 50_000), { timeout: 30_000, interval: 100 });
    expect(standIn.requests).toContain(`POST /sandboxes/${resourceId}/timeout`);
    expect(provider.keptAlive).toEqual([resourceId]);

    await provider.stop(resourceId, { environment: environment('env-keep'), config: { template: STAND_IN_TEMPLATE }, signal });
    expect(provider.keptAlive).toEqual([]);
  });

  it('where E2B cannot pause, stop is refused with unsupported saying what to do, and the sandbox keeps running', async () => {
    const { resourceId, runtime } = await create('env-nopause');
    standIn.pauseUnsupported = true;

    const failure = await failureOf(provider.stop(resourceId, { environment: environment('env-nopause'), config: { template: STAND_IN_TEMPLATE }, signal }));

    expect(failure.code).toBe('unsupported');
    expect(failure.message).toContain('cannot pause sandboxes');
    expect(failure.message).toContain('codebolt env delete env-nopause');
    expect(standIn.sandboxes.get(resourceId)?.state).toBe('running');
    expect((await runtime.exec('sh', ['-c', 'echo still-running'])).stdout).toBe('still-running\n');
  });

  it('a new sandbox whose runtime cannot be started is killed, not left running until its timeout', async () => {
    standIn.envdUnreachable = true;
    const failure = await failureOf(provider.create(startContext('env-no-envd')));

    // The SDK reads envd's 502 as "the sandbox is not running any more".
    expect(failure.code).toBe('resource-gone');
    expect(failure.message).toContain('stopped running while its runtime was being started');
    expect(standIn.requests).toContain('POST /v2/sandboxes');
    expect([...standIn.sandboxes.values()].filter((sandbox) => sandbox.metadata[METADATA.installation] === installationId)).toEqual([]);
  });

  it('a wrong API key is unauthorized, saying where to set the key', async () => {
    const failure = await failureOf(provider.create(startContext('env-key', { apiKey: 'e2b_wrong' })));
    expect(failure.code).toBe('unauthorized');
    expect(failure.message).toContain('E2B_API_KEY');
    expect(failure.message).not.toContain('e2b_wrong');
    expect((await provider.health({ config: { template: STAND_IN_TEMPLATE, apiKey: 'e2b_wrong' }, signal })).ok).toBe(false);
  });

  it('no API key at all is invalid-config naming apiKey', async () => {
    const keyless = createE2bProvider({ installationId, environment: { E2B_API_URL: standIn.apiUrl } });
    const failure = await failureOf(keyless.list({ config: { template: STAND_IN_TEMPLATE }, signal }));
    expect(failure.code).toBe('invalid-config');
    expect(failure.message).toContain('apiKey');
    expect(failure.message).toContain('E2B_API_KEY');
  });

  it("E2B's concurrent-sandbox limit is quota-exceeded, saying what to do, and nothing is made", async () => {
    standIn.maxConcurrentSandboxes = 0;
    const failure = await failureOf(provider.create(startContext('env-quota')));
    expect(failure.code).toBe('quota-exceeded');
    expect(failure.message).toContain('maximum number of concurrent E2B sandboxes');
    expect(failure.message).toContain('stop or delete environments');
    expect(await provider.list({ config: { template: STAND_IN_TEMPLATE }, signal })).toEqual([]);
  });

  it('a rate limit is rate-limited, and attach throws rather than answer gone', async () => {
    const { resourceId } = await create('env-rate');
    standIn.rateLimited = true;
    const context = { environment: environment('env-rate'), config: { template: STAND_IN_TEMPLATE }, signal };
    try {
      const listFailure = await failureOf(provider.list({ config: { template: STAND_IN_TEMPLATE }, signal }));
      expect(listFailure.code).toBe('rate-limited');
      expect(listFailure.message).toContain('retry in a few seconds');
      expect((await failureOf(provider.attach(resourceId, context))).code).toBe('rate-limited');
    } finally {
      standIn.rateLimited = false;
    }
    expect((await provider.attach(resourceId, context)).status).toBe('running');
  });

  it('an unknown template is invalid-config naming template', async () => {
    const failure = await failureOf(provider.create(startContext('env-template', { template: 'no-such-template' })));
    expect(failure.code).toBe('invalid-config');
    expect(failure.message).toContain('template: E2B has no template "no-such-template"');
  });

  it('another installation neither lists nor attaches to these sandboxes', async () => {
    const { resourceId } = await create('env-mine');
    const other = createE2bProvider({ installationId: `${installationId}-other`, environment: standInEnvironment(standIn) });
    const config = { template: STAND_IN_TEMPLATE };

    expect(await other.list({ config, signal })).toEqual([]);
    expect((await other.attach(resourceId, { environment: environment('env-mine'), config, signal })).status).toBe('gone');
    expect(await provider.list({ config, signal })).toEqual([{ resourceId, environmentId: 'env-mine', status: 'running' }]);
  });
});
