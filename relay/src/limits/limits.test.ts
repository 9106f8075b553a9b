import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { upgradeStatus, waitForState } from '../test-support/auth-probes.js';
import { type RelayFixture, startRelayFixture } from '../test-support/relay-fixture.js';

let fixture: RelayFixture | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await fixture?.close();
  fixture = undefined;
});

const errorCode = async (response: Response) => ((await response.json()) as { error?: { code: string } }).error?.code;

function openApp(relay: RelayFixture, id: string, token: string): Promise<WebSocket> {
  const socket = new WebSocket(`${relay.relay.url.replace('http', 'ws')}/v1/connect?env=${id}`, ['codebolt.v1'], { headers: { authorization: `Bearer ${token}` } });
  sockets.push(socket);
  socket.on('error', () => {});
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => reject(new Error(`refused ${response.statusCode}`)));
  });
}

describe('abuse limits', () => {
  it('refuses an address after too many failed logins (429), even with a valid token, on HTTP and WebSocket, until its window passes', async () => {
    const relay = (fixture = await startRelayFixture({ maxFailedAuthPerAddress: 5, failedAuthWindowMs: 2_000 }));
    for (let attempt = 0; attempt < 5; attempt++) expect((await relay.api('/v1/environments', { token: `forged-${attempt}` })).status).toBe(401);
    const blocked = await relay.api('/v1/environments');
    expect(blocked.status).toBe(429);
    expect(await errorCode(blocked)).toBe('rate-limited');
    expect(await upgradeStatus(`${relay.relay.url.replace('http', 'ws')}/v1/connect?env=x`, { headers: { authorization: `Bearer ${relay.adminToken}` } })).toBe(429);
    // Runtimes and providers sharing the address are not locked out (their credential is checked as usual).
    expect(await upgradeStatus(`${relay.relay.url.replace('http', 'ws')}/v1/runtime`, { headers: { authorization: 'Bearer forged' } })).toBe(401);
    const deadline = Date.now() + 10_000;
    let status = 429;
    while (status === 429 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await relay.api('/v1/environments')).status;
    }
    expect(status).toBe(200);
  });

  it('enforces per-tenant quotas on environments, running environments and app connections, tenant by tenant', async () => {
    const relay = (fixture = await startRelayFixture({ maxEnvironmentsPerTenant: 2, maxRunningEnvironmentsPerTenant: 1, maxAppConnectionsPerTenant: 2 }));
    const mint = async (tenant: string) =>
      ((await (await relay.api('/v1/tokens', { method: 'POST', body: JSON.stringify({ tenant, role: 'member' }) })).json()) as { token: string }).token;
    const a = await mint('qa');
    const b = await mint('qb');
    const create = (token: string, name: string) => relay.api('/v1/environments', { method: 'POST', token, body: JSON.stringify({ name, provider: 'local' }) });

    const first = await create(a, 'one');
    expect(first.status).toBe(201);
    const { id } = (await first.json()) as { id: string };
    await waitForState(relay, id, 'running');
    const second = await create(a, 'two');
    expect(second.status).toBe(429);
    expect(await errorCode(second)).toBe('quota-exceeded');
    // Another tenant has its own quota.
    const other = await create(b, 'b-one');
    expect(other.status).toBe(201);
    await waitForState(relay, ((await other.json()) as { id: string }).id, 'running');

    // Stopping frees the running quota: a second environment may then be created, but not started beside the first.
    expect((await relay.api(`/v1/environments/${id}/stop`, { method: 'POST', token: a })).status).toBe(202);
    await waitForState(relay, id, 'stopped');
    const again = await create(a, 'two');
    expect(again.status).toBe(201);
    const secondId = ((await again.json()) as { id: string }).id;
    await waitForState(relay, secondId, 'running');
    const started = await relay.api(`/v1/environments/${id}/start`, { method: 'POST', token: a });
    expect(started.status).toBe(429);
    expect((await create(a, 'three')).status).toBe(429);

    await openApp(relay, secondId, a);
    await openApp(relay, secondId, a);
    expect(await upgradeStatus(`${relay.relay.url.replace('http', 'ws')}/v1/connect?env=${secondId}`, { headers: { authorization: `Bearer ${a}` } })).toBe(429);
  });

  it('limits open WebSocket connections per address (429 past the limit)', async () => {
    const relay = (fixture = await startRelayFixture({ maxConnectionsPerAddress: 3 }));
    const created = await relay.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'conn', provider: 'local' }) });
    const { id } = (await created.json()) as { id: string };
    await waitForState(relay, id, 'running');
    // Only app connections count: the environment's runtime and provider on 127.0.0.1 do not.
    const url = `${relay.relay.url.replace('http', 'ws')}/v1/connect?env=${id}`;
    const opened: number[] = [];
    for (let index = 0; index < 4; index++) opened.push(await upgradeStatusKeepOpen(url, relay.adminToken));
    expect(opened).toEqual([101, 101, 101, 429]);
    sockets.splice(0, 1)[0]!.terminate();
    // A closed connection frees its place.
    const deadline = Date.now() + 10_000;
    let status = 429;
    while (status === 429 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = await upgradeStatusKeepOpen(url, relay.adminToken);
    }
    expect(status).toBe(101);
    for (const socket of sockets.splice(0)) socket.terminate();
  });
});

/** Opens and keeps a connection (tracked for cleanup); resolves 101 or the refusal status. */
function upgradeStatusKeepOpen(url: string, token: string): Promise<number> {
  const socket = new WebSocket(url, ['codebolt.v1'], { headers: { authorization: `Bearer ${token}` } });
  sockets.push(socket);
  socket.on('error', () => {});
  return new Promise((resolve) => {
    socket.once('open', () => resolve(101));
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
  });
}
