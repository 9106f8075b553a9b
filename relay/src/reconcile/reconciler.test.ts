import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForState } from '../test-support/auth-probes.js';
import { type RelayFixture, runtimeProcessesUnder, startRelayFixture } from '../test-support/relay-fixture.js';
import type { ReconcileReport } from './reconciler.js';

let fixture: RelayFixture | undefined;
let root: string | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

const reconcile = async (relay: RelayFixture, body: unknown, token?: string) => relay.api('/v1/admin/reconcile', { method: 'POST', body: JSON.stringify(body), ...(token ? { token } : {}) });

describe('periodic reconciler', () => {
  it('finds a resource whose record is gone (an older backup restored), reports it in a dry run, destroys it in a real pass, and leaves owned ones alone', async () => {
    root = await mkdtemp(join(tmpdir(), 'codebolt-reconcile-'));
    const dataDir = join(root, 'data');
    const options = { dataDir, reconcileIntervalMs: 0, orphanGraceMs: 0 };
    fixture = await startRelayFixture(options);
    const create = async (name: string) => ((await (await fixture!.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name, provider: 'local' }) })).json()) as { id: string }).id;
    const kept = await create('kept');
    const lost = await create('orphaned');
    await waitForState(fixture, kept, 'running');
    await waitForState(fixture, lost, 'running');
    const before = await fixture.api(`/v1/environments/${lost}`).then((response) => response.json() as Promise<{ resourceId: string }>);

    // The relay stops; its records go back to a state without `orphaned` (as after restoring an
    // older backup); the runtime of `orphaned` keeps running, now owned by no record.
    await fixture.relay.close();
    const storePath = join(dataDir, 'environments.json');
    const store = JSON.parse(await readFile(storePath, 'utf8')) as { environments: Array<{ id: string }> };
    store.environments = store.environments.filter((record) => record.id !== lost);
    await writeFile(storePath, JSON.stringify(store));
    fixture = await startRelayFixture(options);
    await waitForState(fixture, kept, 'running');

    // Only an operator may run it.
    const tenantAdmin = ((await (await fixture.api('/v1/tokens', { method: 'POST', body: JSON.stringify({ tenant: 'default', role: 'admin' }) })).json()) as { token: string }).token;
    expect((await reconcile(fixture, { dryRun: true }, tenantAdmin)).status).toBe(403);
    expect((await reconcile(fixture, { dryRun: 'yes' })).status).toBe(400);

    const dry = (await (await reconcile(fixture, { dryRun: true })).json()) as ReconcileReport;
    expect(dry.dryRun).toBe(true);
    expect(dry.orphans.map((resource) => resource.resourceId)).toEqual([before.resourceId]);
    expect(dry.orphans[0]).toMatchObject({ provider: 'local', environmentId: lost, reapable: true });
    expect(dry.reaped).toEqual([]);
    expect(dry.failures).toEqual([]);
    // A dry run changed nothing: the orphan's runtime still runs.
    const runtimesBefore = await runtimeProcessesUnder(dataDir);
    expect(runtimesBefore.length).toBe(2);

    const real = (await (await reconcile(fixture, {})).json()) as ReconcileReport;
    expect(real.reaped.map((resource) => resource.resourceId)).toEqual([before.resourceId]);
    expect(real.lost).toEqual([]);
    const after = await runtimeProcessesUnder(dataDir);
    expect(after.length).toBe(1);
    // The owned environment is untouched and still works.
    expect((await waitForState(fixture, kept, 'running')).id).toBe(kept);
    const again = (await (await reconcile(fixture, { dryRun: true })).json()) as ReconcileReport;
    expect(again.orphans).toEqual([]);
  });
});

describe('restart policy', () => {
  it('recreates a gone resource only for an environment whose restart policy says so; the other goes to error with resource-gone', async () => {
    root = await mkdtemp(join(tmpdir(), 'codebolt-restart-policy-'));
    const dataDir = join(root, 'data');
    const options = { dataDir, reconcileIntervalMs: 0 };
    fixture = await startRelayFixture(options);
    const create = async (name: string, extra: Record<string, unknown> = {}) =>
      ((await (await fixture!.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name, provider: 'local', ...extra }) })).json()) as { id: string }).id;
    const recreated = await create('phoenix', { restartPolicy: 'recreate' });
    const plain = await create('plain');
    expect((await fixture.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'bad', provider: 'local', restartPolicy: 'sometimes' }) })).status).toBe(400);
    await waitForState(fixture, recreated, 'running');
    await waitForState(fixture, plain, 'running');
    const before = (await (await fixture.api(`/v1/environments/${recreated}`)).json()) as { resourceId: string; restartPolicy?: string; runtime: { generation: number } };
    expect(before.restartPolicy).toBe('recreate');

    // Both resources are destroyed behind the relay's back while it is down (runtimes killed, state removed).
    await fixture.relay.close();
    for (const pid of await runtimeProcessesUnder(dataDir)) process.kill(pid, 'SIGKILL');
    await rm(join(dataDir, 'providers', 'local'), { recursive: true, force: true });
    await rm(join(dataDir, 'workspaces'), { recursive: true, force: true });
    fixture = await startRelayFixture(options);

    // The record said running before the relay stopped; wait for the new resource's runtime (a later generation).
    const relay = fixture;
    const deadline = Date.now() + 60_000;
    let after: { state: string; resourceId: string | null; runtime: { connected: boolean; generation: number } };
    for (;;) {
      after = (await (await relay.api(`/v1/environments/${recreated}`)).json()) as typeof after;
      if (after.state === 'running' && after.runtime.connected && after.runtime.generation > before.runtime.generation) break;
      if (Date.now() > deadline) throw new Error(`not recreated after 60 s: ${JSON.stringify(after)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(after.resourceId).toBeTruthy();
    const failed = (await waitForState(fixture, plain, 'error')) as unknown as { lastError: { code: string } };
    expect(failed.lastError.code).toBe('resource-gone');
    expect(await runtimeProcessesUnder(dataDir)).toHaveLength(1);
  });
});
