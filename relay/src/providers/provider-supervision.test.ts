import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, isAlive, waitForEnvironment } from '../test-support/environment-events.js';
import { type RelayFixture, startRelayFixture } from '../test-support/relay-fixture.js';

const PROVIDERS = resolve(fileURLToPath(import.meta.url), '../../test-support/providers');

let fixture: RelayFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function lines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split('\n').filter((line) => line.length > 0);
  } catch {
    return [];
  }
}

async function create(f: RelayFixture, body: Record<string, unknown>): Promise<string> {
  const response = await f.api('/v1/environments', { method: 'POST', body: JSON.stringify(body) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

describe('provider supervision', () => {
  it('restarts a provider that exits at once with doubling delays, then opens the circuit after 6 crashes with its last output (secret redacted) in lastError', async () => {
    fixture = await startRelayFixture({ providerPackages: [join(PROVIDERS, 'crash-loop')], providerRestartInitialDelayMs: 100, providerRestartJitterRatio: 0 });
    const id = await create(fixture, { name: 'loop', provider: 'crash-loop' });
    const failed = await waitForEnvironment(fixture, id, (view) => view.state === 'error', 'error after the crash loop');

    const spawns = await lines(join(fixture.dataDir, 'crash-loop-spawns.txt'));
    expect(spawns).toHaveLength(6);
    const times = spawns.map((line) => Number(line.split(' ')[0]));
    const tokens = spawns.map((line) => line.split(' ')[1]!);
    for (let index = 1; index < times.length; index++) {
      // 100, 200, 400, 800, 1600 ms (no jitter in this test), plus spawn time.
      expect(times[index]! - times[index - 1]!).toBeGreaterThanOrEqual(100 * 2 ** (index - 1) - 2);
    }
    expect(failed.lastError?.code).toBe('provider-crash-loop');
    expect(failed.lastError?.message).toContain('crashed 6 times within 60000 ms');
    expect(failed.lastError?.message).toContain('(last: exited (code 1) before registering)');
    expect(failed.lastError?.message).toContain('crash-loop provider: failing on purpose');
    expect(failed.lastError?.message).toContain('crash-loop provider: my token is [redacted]');
    expect(failed.lastError?.message).toContain(`codebolt env start ${id}`);
    const stored = await readFile(join(fixture.dataDir, 'environments.json'), 'utf8');
    for (const token of tokens) {
      expect(token.length).toBeGreaterThan(20);
      expect(failed.lastError?.message).not.toContain(token);
      expect(stored).not.toContain(token);
    }

    // An explicit start closes the circuit: six more attempts, then error again.
    expect((await fixture.api(`/v1/environments/${id}/start`, { method: 'POST' })).status).toBe(202);
    await waitForEnvironment(fixture, id, (view) => view.state === 'error', 'error after the second crash loop');
    expect(await lines(join(fixture.dataDir, 'crash-loop-spawns.txt'))).toHaveLength(12);
  });

  it('does not restart a provider that exits with code 2 (misconfigured): the environment fails at once', async () => {
    fixture = await startRelayFixture({ providerPackages: [join(PROVIDERS, 'misconfigured')], providerRestartInitialDelayMs: 20 });
    const id = await create(fixture, { name: 'misconfigured', provider: 'misconfigured' });
    const failed = await waitForEnvironment(fixture, id, (view) => view.state === 'error', 'error');
    expect(failed.lastError).toMatchObject({ code: 'provider-unavailable', message: expect.stringContaining('exited (code 2) before registering') });
    expect(await lines(join(fixture.dataDir, 'misconfigured-spawns.txt'))).toHaveLength(1);
  });

  it('restarts a provider that crashes after registering; the environment stays running', async () => {
    fixture = await startRelayFixture({ providerPackages: [join(PROVIDERS, 'flaky')], providerRestartInitialDelayMs: 100 });
    const id = await create(fixture, { name: 'flaky-exit', provider: 'flaky', config: { env: { FLAKY: 'exit' } } });
    await waitForEnvironment(fixture, id, (view) => view.state === 'running', 'running');
    const pidsFile = join(fixture.dataDir, `flaky-pids-${id}.txt`);
    const pids = await eventually(async () => {
      const list = (await lines(pidsFile)).map(Number);
      return list.length >= 2 && !(await isAlive(list[0]!)) ? list : undefined;
    }, 'a second provider process after the first exited');
    expect(pids).toHaveLength(2);
    expect(await isAlive(pids[1]!)).toBe(true);
    const log = ((await (await fixture.api(`/v1/environments/${id}/logs`)).json()) as { content: string }).content;
    expect(log).toContain('flaky provider: exiting on purpose');
    const view = (await (await fixture.api(`/v1/environments/${id}`)).json()) as { state: string; lastError: unknown };
    expect(view).toMatchObject({ state: 'running', lastError: null });
  });

  it('a provider of a running environment that keeps crashing opens the circuit: the environment goes to error with its last output', async () => {
    fixture = await startRelayFixture({ providerPackages: [join(PROVIDERS, 'flaky')], providerRestartInitialDelayMs: 50, providerMaxCrashes: 2 });
    const id = await create(fixture, { name: 'flaky-always', provider: 'flaky', config: { env: { FLAKY: 'always' } } });
    const failed = await waitForEnvironment(fixture, id, (view) => view.state === 'error', 'error after repeated crashes');
    expect(failed.lastError?.code).toBe('provider-crash-loop');
    expect(failed.lastError?.message).toContain('crashed 3 times within 60000 ms');
    expect(failed.lastError?.message).toMatch(/flaky provider: (exiting|crashing again) on purpose/);
    expect((await lines(join(fixture.dataDir, `flaky-pids-${id}.txt`))).length).toBe(3);
    // The provider is fixed: an explicit delete (which closes the circuit) can now destroy the resource.
    await rm(join(fixture.dataDir, `flaky-always-${id}`));
    expect((await fixture.api(`/v1/environments/${id}`, { method: 'DELETE' })).status).toBe(202);
    await waitForEnvironment(fixture, id, () => false, 'deleted').catch((error: Error) => expect(error.message).toMatch(/socket closed before environment/));
  });

  it('kills a provider that stops sending heartbeats and starts a new one', async () => {
    fixture = await startRelayFixture({ providerPackages: [join(PROVIDERS, 'flaky')], providerRestartInitialDelayMs: 100, providerHeartbeatTimeoutMs: 8_000 });
    const id = await create(fixture, { name: 'flaky-hang', provider: 'flaky', config: { env: { FLAKY: 'hang' } } });
    await waitForEnvironment(fixture, id, (view) => view.state === 'running', 'running');
    const pidsFile = join(fixture.dataDir, `flaky-pids-${id}.txt`);
    const hungPid = Number((await lines(pidsFile))[0]);
    expect(await isAlive(hungPid)).toBe(true);
    const pids = await eventually(async () => {
      const list = (await lines(pidsFile)).map(Number);
      return list.length >= 2 && !(await isAlive(hungPid)) ? list : undefined;
    }, 'the hung provider killed and a new one started');
    expect(pids).toHaveLength(2);
    expect(await isAlive(pids[1]!)).toBe(true);
    const log = ((await (await fixture.api(`/v1/environments/${id}/logs`)).json()) as { content: string }).content;
    expect(log).toContain('flaky provider: hanging on purpose');
    const view = (await (await fixture.api(`/v1/environments/${id}`)).json()) as { state: string };
    expect(view.state).toBe('running');
  });
});
