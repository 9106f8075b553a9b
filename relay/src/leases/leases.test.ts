import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppSocket, openAppSocket } from '../test-support/app-socket.js';
import { type RelayFixture, startRelayFixture } from '../test-support/relay-fixture.js';
import type { RelayOptions } from '../options.js';

let fixture: RelayFixture | undefined;
let ownDataDir: string | undefined;
const sockets: AppSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) await socket.close();
  await fixture?.close();
  fixture = undefined;
  if (ownDataDir) await rm(ownDataDir, { recursive: true, force: true });
  ownDataDir = undefined;
});

interface View {
  id: string;
  state: string;
  resourceId: string | null;
  lease: {
    idleTimeoutMs: number | null;
    maxLifetimeMs: number | null;
    expiresAt: string | null;
    startedAt?: string | null;
    lifetimeExpiresAt?: string | null;
    idleExpiresAt?: string | null;
    keptAliveBy?: string[];
    activity?: { appConnections: number; runningProcesses: number };
  };
  stopReason?: { reason: string; message: string; at: string } | null;
}

async function start(leases: RelayOptions['leases']): Promise<RelayFixture> {
  fixture = await startRelayFixture({ leases });
  return fixture;
}

async function create(f: RelayFixture, name: string, lease?: Record<string, unknown>): Promise<View> {
  const response = await f.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name, provider: 'local', ...(lease ? { lease } : {}) }) });
  expect(response.status).toBe(201);
  return (await response.json()) as View;
}

async function connect(f: RelayFixture, id: string, token = f.adminToken): Promise<AppSocket> {
  const socket = await openAppSocket(f.relay.url, id, token);
  sockets.push(socket);
  return socket;
}

const isState = (state: string) => (frame: { type: string; data?: any }) => frame.type === 'env-state' && frame.data?.environment?.state === state;

async function get(f: RelayFixture, id: string): Promise<View> {
  return (await (await f.api(`/v1/environments/${id}`)).json()) as View;
}

async function tokenFor(f: RelayFixture, role: string): Promise<string> {
  const response = await f.api('/v1/tokens', { method: 'POST', body: JSON.stringify({ tenant: 'default', role, ttlSeconds: 600 }) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { token: string }).token;
}

describe('leases', () => {
  it('warns connected apps, then stops an idle environment (resource kept), records the stop reason and audits it', async () => {
    const f = await start({ idleTimeoutMs: 3_000, warningLeadMs: 1_500 });
    const created = await create(f, 'idler');
    expect(created.lease).toMatchObject({ idleTimeoutMs: 3_000, maxLifetimeMs: null });
    const app = await connect(f, created.id);
    await app.next(isState('running'), 'running');
    const warning = await app.next((frame) => frame.type === 'lease-warning', 'lease-warning');
    expect(warning.data).toMatchObject({ reason: 'idle-timeout', expiresAt: expect.any(String) });
    expect(warning.data.remainingMs).toBeLessThanOrEqual(1_500);
    const stopped = await app.next(isState('stopped'), 'stopped');
    expect(stopped.receivedAt).toBeGreaterThanOrEqual(warning.receivedAt);
    expect(Date.parse(warning.data.expiresAt)).toBeLessThanOrEqual(stopped.receivedAt + 50);

    const view = await get(f, created.id);
    expect(view.state).toBe('stopped');
    expect(view.resourceId).not.toBeNull();
    expect(view.stopReason).toMatchObject({ reason: 'idle-timeout', message: expect.stringContaining('without activity (idle timeout)') });
    expect(view.stopReason?.message).toContain(`codebolt env start ${created.id}`);
    expect(view.lease.expiresAt).toBeNull();
    const audit = (await readFile(join(f.dataDir, 'audit.log'), 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { action: string; target?: Record<string, unknown> });
    expect(audit.find((entry) => entry.action === 'lease.stop')).toMatchObject({ target: { id: created.id, reason: 'idle-timeout' } });

    // The next start is a new lease: the stop reason goes away.
    expect((await f.api(`/v1/environments/${created.id}/start`, { method: 'POST' })).status).toBe(202);
    const again = await app.next((frame) => isState('running')(frame) && frame.receivedAt > stopped.receivedAt && frame.data.environment.stopReason === null, 'running again without a stop reason');
    expect(Date.parse(again.data.environment.lease.startedAt)).toBeGreaterThan(Date.parse(view.lease.startedAt!));
  });

  it('a running process keeps the environment alive; the idle clock starts when it exits', async () => {
    const f = await start({ idleTimeoutMs: 2_000, warningLeadMs: 500 });
    const created = await create(f, 'busy');
    const app = await connect(f, created.id);
    await app.next(isState('running'), 'running');
    app.send({ type: 'exec', id: 'long', data: { command: 'sleep', args: ['4'] } });
    const held = await app.next(
      (frame) => frame.type === 'env-state' && frame.data.environment.lease.keptAliveBy?.includes('running-processes'),
      'the lease held by the running process',
    );
    expect(held.data.environment.lease).toMatchObject({ idleExpiresAt: null, activity: { runningProcesses: 1 } });
    const exit = await app.next((frame) => frame.type === 'process-exit' && frame.re === 'long', 'process-exit');
    // Longer than the idle timeout, and the environment was still running when the process ended.
    expect(app.frames.some(isState('stopped'))).toBe(false);
    expect((await get(f, created.id)).state).toBe('running');
    const stopped = await app.next(isState('stopped'), 'stopped after the process ended');
    expect(stopped.receivedAt - exit.receivedAt).toBeGreaterThanOrEqual(1_900);
    expect((await get(f, created.id)).stopReason?.reason).toBe('idle-timeout');
  });

  it('stops at the maximum lifetime asked for at create (within the limit) and refuses one over the limit', async () => {
    const f = await start({ maxLifetimeLimitMs: 60_000, warningLeadMs: 1_000 });
    const refused = await f.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'greedy', provider: 'local', lease: { maxLifetimeMs: 120_000 } }) });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: { code: 'bad-request', message: expect.stringContaining('over the limit of 60000 ms') } });

    const created = await create(f, 'short', { maxLifetimeMs: 3_000 });
    expect(created.lease.maxLifetimeMs).toBe(3_000);
    const app = await connect(f, created.id);
    const running = await app.next(isState('running'), 'running');
    app.send({ type: 'exec', id: 'long', data: { command: 'sleep', args: ['30'] } });
    const warning = await app.next((frame) => frame.type === 'lease-warning', 'lease-warning');
    expect(warning.data.reason).toBe('max-lifetime');
    const stopped = await app.next(isState('stopped'), 'stopped at the maximum lifetime, although a process runs');
    expect(stopped.receivedAt).toBeGreaterThan(running.receivedAt);
    expect((await get(f, created.id)).stopReason).toMatchObject({ reason: 'max-lifetime', message: expect.stringContaining('maximum lifetime (3000 ms') });
  });

  it('lease.extend: viewers may not; a member extends idle time up to the lifetime; an admin moves the lifetime', async () => {
    const f = await start({ idleTimeoutMs: 60_000, maxLifetimeMs: 30_000 });
    const created = await create(f, 'extend');
    const viewer = await connect(f, created.id, await tokenFor(f, 'viewer'));
    await viewer.next(isState('running'), 'running');
    viewer.send({ type: 'lease.extend', id: 'v1', data: { durationMs: 1_000 } });
    expect((await viewer.next((frame) => frame.re === 'v1', 'answer')).error?.code).toBe('forbidden');

    const member = await connect(f, created.id, await tokenFor(f, 'member'));
    member.send({ type: 'lease.extend', id: 'm1', data: { durationMs: 3_600_000 } });
    const memberAnswer = await member.next((frame) => frame.re === 'm1', 'answer');
    expect(memberAnswer.error).toBeUndefined();
    const lifetime = Date.parse(memberAnswer.data.lease.lifetimeExpiresAt);
    expect(lifetime - Date.parse(memberAnswer.data.lease.startedAt)).toBe(30_000);
    expect(memberAnswer.data.lease.expiresAt).toBe(memberAnswer.data.lease.lifetimeExpiresAt);
    expect(memberAnswer.data.lease.keptAliveBy).toContain('app-extension');

    member.send({ type: 'lease.extend', id: 'm2', data: { durationMs: 0 } });
    expect((await member.next((frame) => frame.re === 'm2', 'answer')).error?.code).toBe('bad-request');

    const admin = await connect(f, created.id, await tokenFor(f, 'admin'));
    const before = Date.now();
    admin.send({ type: 'lease.extend', id: 'a1', data: { durationMs: 3_600_000 } });
    const adminAnswer = await admin.next((frame) => frame.re === 'a1', 'answer');
    expect(Date.parse(adminAnswer.data.lease.lifetimeExpiresAt)).toBeGreaterThanOrEqual(before + 3_600_000);
    const persisted = await admin.next(
      (frame) => frame.type === 'env-state' && frame.data.environment.lease.lifetimeExpiresAt === adminAnswer.data.lease.lifetimeExpiresAt,
      'the extension on the record',
    );
    expect(persisted.data.environment.lease.expiresAt).not.toBeNull();
  });

  it('a restarted relay resumes the lease from the record instead of starting it again', async () => {
    ownDataDir = await mkdtemp(join(tmpdir(), 'codebolt-lease-restart-'));
    const first = await startRelayFixture({ dataDir: ownDataDir, leases: { maxLifetimeMs: 8_000, warningLeadMs: 1_000 } });
    const created = await create(first, 'survivor');
    const app = await openAppSocket(first.relay.url, created.id, first.adminToken);
    const running = await app.next((frame) => isState('running')(frame) && !!frame.data.environment.lease.startedAt, 'running with a lease');
    const startedAt: string = running.data.environment.lease.startedAt;
    await app.close();
    await first.relay.close(); // graceful: the runtime keeps running, the record keeps the lease

    fixture = await startRelayFixture({ dataDir: ownDataDir, leases: { maxLifetimeMs: 8_000, warningLeadMs: 1_000 } });
    const again = await connect(fixture, created.id);
    const stopped = await again.next(isState('stopped'), 'stopped at the original lifetime deadline', 30_000);
    const view = await get(fixture, created.id);
    expect(view.lease.startedAt).toBe(startedAt);
    expect(view.stopReason?.reason).toBe('max-lifetime');
    // Counted from the original start (a lease started again at the restart would show a later startedAt).
    expect(stopped.receivedAt).toBeGreaterThanOrEqual(Date.parse(startedAt) + 8_000 - 50);
  });
});
