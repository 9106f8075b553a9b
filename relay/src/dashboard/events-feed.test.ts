import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { upgradeStatus } from '../test-support/auth-probes.js';
import { type RelayFixture, startRelayFixture } from '../test-support/relay-fixture.js';

interface Frame {
  type: string;
  env?: string;
  data?: { environment?: { id: string; state: string; tenant: string }; environments?: Array<{ id: string }> };
}

let fixture: RelayFixture;
let wsBase: string;

async function mint(tenant: string, role: string): Promise<string> {
  const response = await fixture.api('/v1/tokens', { method: 'POST', body: JSON.stringify({ tenant, role, ttlSeconds: 600 }) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { token: string }).token;
}

/** Opens /v1/events the browser way (bearer subprotocol, same-origin Origin) and records every frame. */
async function subscribe(token: string): Promise<{ socket: WebSocket; frames: Frame[]; next(match: (frame: Frame) => boolean): Promise<Frame> }> {
  const socket = new WebSocket(`${wsBase}/v1/events`, ['codebolt.v1', `bearer.${token}`], { origin: fixture.relay.url });
  socket.on('error', () => {});
  const frames: Frame[] = [];
  const waiters: Array<{ match: (frame: Frame) => boolean; resolve: (frame: Frame) => void }> = [];
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as Frame;
    frames.push(frame);
    for (const waiter of [...waiters]) {
      if (waiter.match(frame)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) => reject(new Error(`refused with ${response.statusCode}`)));
  });
  return {
    socket,
    frames,
    next: (match) => {
      const seen = frames.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

beforeAll(async () => {
  fixture = await startRelayFixture();
  wsBase = fixture.relay.url.replace('http', 'ws');
});

afterAll(async () => {
  await fixture?.close();
});

describe('/v1/events', () => {
  it('refuses missing, URL-borne and foreign-origin credentials like /v1/connect', async () => {
    const viewer = await mint('a', 'viewer');
    expect(await upgradeStatus(`${wsBase}/v1/events`, {}, ['codebolt.v1'])).toBe(401);
    expect(await upgradeStatus(`${wsBase}/v1/events?token=${viewer}`, {}, ['codebolt.v1'])).toBe(401);
    expect(await upgradeStatus(`${wsBase}/v1/events`, { origin: 'https://evil.example' }, ['codebolt.v1', `bearer.${viewer}`])).toBe(403);
    expect(await upgradeStatus(`${wsBase}/v1/events`, { origin: fixture.relay.url }, ['codebolt.v1', `bearer.${viewer}`])).toBe(101);
  });

  it("sends a snapshot, then every change of the caller's tenant only, and closes on a client frame", async () => {
    const memberA = await mint('a', 'member');
    const viewerA = await subscribe(await mint('a', 'viewer'));
    const memberB = await subscribe(await mint('b', 'member'));
    const snapshotB = await memberB.next((frame) => frame.type === 'env-snapshot');
    expect(snapshotB.data?.environments).toEqual([]);

    const created = await fixture.api('/v1/environments', { method: 'POST', token: memberA, body: JSON.stringify({ name: 'feed-a', provider: 'local' }) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await viewerA.next((frame) => frame.type === 'env-state' && frame.data?.environment?.state === 'running');
    await viewerA.next((frame) => frame.type === 'runtime-connected' && frame.env === id);

    // A late subscriber of tenant A gets the environment in its snapshot.
    const late = await subscribe(memberA);
    const snapshot = await late.next((frame) => frame.type === 'env-snapshot');
    expect(snapshot.data?.environments?.map((environment) => environment.id)).toEqual([id]);

    expect((await fixture.api(`/v1/environments/${id}`, { method: 'DELETE', token: memberA })).status).toBe(202);
    await viewerA.next((frame) => frame.type === 'env-deleted' && frame.env === id);
    // Tenant B saw its snapshot and nothing of tenant A.
    expect(memberB.frames.map((frame) => frame.type)).toEqual(['env-snapshot']);

    const closed = new Promise<number>((resolve) => late.socket.once('close', (code) => resolve(code)));
    late.socket.send('hello');
    expect(await closed).toBe(1008);
    for (const subscriber of [viewerA, memberB]) subscriber.socket.close();
  });
});
