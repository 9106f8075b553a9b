import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signingSecret, waitForState } from '../test-support/auth-probes.js';
import { type RelayFixture, startRelayFixture } from '../test-support/relay-fixture.js';

let fixture: RelayFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe('runtime hello deadline', () => {
  it('closes an authenticated runtime socket that never says hello (4008) within the configured time', async () => {
    const relay = (fixture = await startRelayFixture({ runtimeHelloTimeoutMs: 1_000 }));
    const created = await relay.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'hello', provider: 'local' }) });
    const { id } = (await created.json()) as { id: string };
    const record = (await waitForState(relay, id, 'running')) as unknown as { runtime: { generation: number; pid: number } };
    // Freeze the real runtime so that it cannot reconnect and supersede the silent socket.
    process.kill(record.runtime.pid, 'SIGSTOP');
    try {
      const token = await new SignJWT({ env: id, gen: record.runtime.generation, typ: 'runtime' })
        .setProtectedHeader({ alg: 'HS256', kid: 'local' })
        .setSubject(`runtime:${id}`)
        .setIssuer('codebolt-relay')
        .setAudience('codebolt')
        .setIssuedAt()
        .setNotBefore('0s')
        .setExpirationTime('5m')
        .sign(await signingSecret(relay.dataDir));
      const socket = new WebSocket(`${relay.relay.url.replace('http', 'ws')}/v1/runtime`, ['codebolt.v1'], { headers: { authorization: `Bearer ${token}` } });
      socket.on('error', () => {});
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('unexpected-response', (_request, response) => reject(new Error(`refused ${response.statusCode}`)));
      });
      const openedAt = Date.now();
      const [code] = await new Promise<[number, string]>((resolve) => socket.once('close', (closeCode, reason) => resolve([closeCode, reason.toString()])));
      expect(code).toBe(4008);
      expect(Date.now() - openedAt).toBeLessThan(1_000 + 2_000);
    } finally {
      process.kill(record.runtime.pid, 'SIGCONT');
    }
  });
});
