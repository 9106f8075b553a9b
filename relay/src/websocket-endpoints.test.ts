import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RelayFixture, startRelayFixture } from './test-support/relay-fixture.js';

let fixture: RelayFixture;
beforeEach(async () => {
  fixture = await startRelayFixture({ maxAppFrameBytes: 64 * 1024 });
});
afterEach(async () => {
  await fixture.close();
});

function wsUrl(path: string): string {
  return fixture.relay.url.replace('http', 'ws') + path;
}

/** Resolves with the HTTP status of a refused upgrade, or 101 when it was accepted. */
function upgradeStatus(path: string, options: WebSocket.ClientOptions = {}, protocols?: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(path), protocols, options);
    socket.on('error', () => {});
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('open', () => {
      resolve(101);
      socket.close();
    });
    socket.on('close', () => reject(new Error('closed without an answer')));
  });
}

async function createEnvironmentRecord(): Promise<string> {
  // The record exists as soon as create answers; the tests here only need the id.
  const response = await fixture.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: `ws-${Date.now()}`, provider: 'local' }) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

describe('WebSocket endpoints', () => {
  it('answers 401 before any upgrade without or with a wrong credential, on every endpoint', async () => {
    for (const path of ['/v1/connect?env=x', '/v1/runtime', '/v1/provider']) {
      expect(await upgradeStatus(path), path).toBe(401);
      expect(await upgradeStatus(path, { headers: { authorization: 'Bearer nope' } }), path).toBe(401);
    }
    expect(await upgradeStatus('/v1/connect?env=x', {}, ['codebolt.v1', 'bearer.nope'])).toBe(401);
  });

  it('does not accept the admin token as a runtime or provider credential', async () => {
    const headers = { authorization: `Bearer ${fixture.adminToken}` };
    expect(await upgradeStatus('/v1/runtime', { headers })).toBe(401);
    expect(await upgradeStatus('/v1/provider', { headers })).toBe(401);
  });

  it('answers 404 for an unknown environment and for an unknown endpoint', async () => {
    const headers = { authorization: `Bearer ${fixture.adminToken}` };
    expect(await upgradeStatus('/v1/connect?env=env_missing', { headers })).toBe(404);
    expect(await upgradeStatus('/v1/elsewhere', { headers })).toBe(404);
  });

  it('accepts the bearer subprotocol from browsers and answers with codebolt.v1 only', async () => {
    const id = await createEnvironmentRecord();
    const socket = new WebSocket(wsUrl(`/v1/connect?env=${id}`), ['codebolt.v1', `bearer.${fixture.adminToken}`]);
    socket.on('error', () => {});
    const first = await new Promise<{ type: string; data: { environment: { id: string } } }>((resolve) => socket.once('message', (data) => resolve(JSON.parse(data.toString()))));
    expect(socket.protocol).toBe('codebolt.v1');
    expect(first.type).toBe('env-state');
    expect(first.data.environment.id).toBe(id);
    socket.close();
  });

  it('answers malformed frames with a bad-request envelope and closes oversized frames with 1009, staying up', async () => {
    const id = await createEnvironmentRecord();
    const socket = new WebSocket(wsUrl(`/v1/connect?env=${id}`), ['codebolt.v1'], { headers: { authorization: `Bearer ${fixture.adminToken}` } });
    socket.on('error', () => {});
    const frames: Array<{ type: string; re?: string; error?: { code: string; message: string } }> = [];
    const waitFor = (predicate: (frame: (typeof frames)[number]) => boolean) =>
      new Promise<(typeof frames)[number]>((resolve) => {
        const found = frames.find(predicate);
        if (found) return resolve(found);
        const listener = () => {
          const match = frames.find(predicate);
          if (match) {
            socket.off('message', listener);
            resolve(match);
          }
        };
        socket.on('message', listener);
      });
    socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
    await new Promise((resolve) => socket.once('open', resolve));

    socket.send('{not json');
    expect((await waitFor((frame) => frame.error?.message.includes('not valid JSON') === true)).error?.code).toBe('bad-request');
    socket.send(JSON.stringify({ v: 1, type: 'exec', id: 'e1', data: { command: 42 } }));
    const execError = await waitFor((frame) => frame.re === 'e1');
    expect(execError.error).toMatchObject({ code: 'bad-request', message: expect.stringContaining('command') });
    socket.send(JSON.stringify({ v: 1, type: 'launch-missiles', id: 'x1' }));
    expect((await waitFor((frame) => frame.re === 'x1')).error?.message).toContain('unknown message type');

    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ v: 1, type: 'message', data: 'x'.repeat(100 * 1024) }));
    expect(await closed).toBe(1009);
    expect((await fetch(`${fixture.relay.url}/health`)).status).toBe(200);
  });
});
