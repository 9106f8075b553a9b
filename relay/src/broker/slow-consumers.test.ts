import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitForState } from '../test-support/auth-probes.js';
import { type RelayFixture, startRelayFixture } from '../test-support/relay-fixture.js';

let fixture: RelayFixture | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await fixture?.close();
  fixture = undefined;
});

async function appConnections(relay: RelayFixture): Promise<number> {
  const text = await (await relay.api('/metrics')).text();
  return Number(/^codebolt_app_connections (\d+)/m.exec(text)?.[1]);
}

function open(relay: RelayFixture, id: string): Promise<WebSocket> {
  const socket = new WebSocket(`${relay.relay.url.replace('http', 'ws')}/v1/connect?env=${id}`, ['codebolt.v1'], { headers: { authorization: `Bearer ${relay.adminToken}` } });
  sockets.push(socket);
  socket.on('error', () => {});
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', () => reject(new Error('refused')));
  });
}

/** Live memory after a full garbage collection (the relay runs in this process; vitest runs it with --expose-gc). */
const memory = () => {
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external + usage.arrayBuffers;
};

describe('abuse limits on sockets', () => {
  it('closes 100 stalled consumers at the send buffer cap and keeps relay memory bounded, while an active client is served', async () => {
    const relay = (fixture = await startRelayFixture({ maxAppSendBufferBytes: 64 * 1024, streamWindowMaxBytes: 8 * 1024 * 1024 }));
    const created = await relay.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'stalls', provider: 'local' }) });
    const { id } = (await created.json()) as { id: string };
    await waitForState(relay, id, 'running');
    const active = await open(relay, id);
    const answers = new Map<string, { error?: { code: string } }>();
    active.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { re?: string; error?: { code: string } };
      if (frame.re) answers.set(frame.re, frame);
    });
    const request = async (rid: string, type: string, data: unknown) => {
      active.send(JSON.stringify({ v: 1, type, id: rid, data }));
      const deadline = Date.now() + 60_000;
      while (!answers.has(rid)) {
        if (Date.now() > deadline) throw new Error(`no answer to ${rid}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return answers.get(rid)!;
    };
    expect((await request('w', 'fs.write', { path: 'big.txt', content: 'x'.repeat(256 * 1024) })).error).toBeUndefined();

    expect(typeof (globalThis as { gc?: unknown }).gc, 'run with --expose-gc (relay/vitest.config.ts)').toBe('function');
    const baseline = memory();
    let peak = baseline;
    for (let index = 0; index < 100; index++) {
      const stalled = await open(relay, id);
      stalled.pause(); // reads nothing from now on
      for (let read = 0; read < 10; read++) stalled.send(JSON.stringify({ v: 1, type: 'fs.read', id: `r${read}`, data: { path: 'big.txt' } }));
    }
    const deadline = Date.now() + 90_000;
    while ((await appConnections(relay)) > 1) {
      if (Date.now() > deadline) throw new Error(`stalled sockets still open: ${await appConnections(relay)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    peak = memory();
    // Unbounded, the relay would hold 100 × 10 × 256 KiB = 250 MiB of unsent replies in the
    // stalled sockets (and never close them); with the cap, what stays live is the retained window.
    expect(peak - baseline).toBeLessThan(96 * 1024 * 1024);
    // The active, reading client is still served.
    expect((await request('after', 'fs.list', { path: '.' })).error).toBeUndefined();
  });

  it('closes slow-header sockets within the configured timeout while normal clients connect fine', async () => {
    const relay = (fixture = await startRelayFixture({ headersTimeoutMs: 1_000 }));
    const { port } = relay.relay;
    const slow = Array.from({ length: 20 }, () => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write('GET /health HTTP/1.1\r\nHost: relay\r\n');
      // Trickle a header line now and then, never finishing the headers.
      const trickle = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 200);
      const startedAt = Date.now();
      const closed = new Promise<number>((resolve) => socket.on('close', () => {
        clearInterval(trickle);
        resolve(Date.now() - startedAt);
      }));
      socket.resume();
      return { socket, closed };
    });
    for (let index = 0; index < 10; index++) expect((await fetch(`${relay.relay.url}/health`)).status).toBe(200);
    expect((await relay.api('/v1/environments')).status).toBe(200);
    const lifetimes = await Promise.all(slow.map((entry) => entry.closed));
    for (const lifetime of lifetimes) expect(lifetime).toBeLessThan(1_000 + 2_000);
  });
});
