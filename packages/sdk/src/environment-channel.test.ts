import { CodeboltError } from '@codebolt/protocol';
import WebSocket from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesToBase64 } from './base64.js';
import type { WebSocketConstructor } from './client-options.js';
import { createClient } from './codebolt-client.js';
import type { EnvironmentChannel } from './environment-channel.js';
import type { OutputChunk } from './exec-handle.js';
import type { ReconnectOptions } from './reconnect-policy.js';
import { environmentRecord, type RecordedConnection, sendFrame, startTestRelay, type TestRelay } from './test-support/test-relay.js';

let relay: TestRelay;
const channels: EnvironmentChannel[] = [];

beforeEach(async () => {
  relay = await startTestRelay();
});

afterEach(async () => {
  for (const channel of channels.splice(0)) await channel.close();
  await relay.close();
});

/** Connects to env_1 with a server that greets with env-state; resolves with both ends. */
async function connect(
  options: { greet?: (connection: RecordedConnection) => void; reconnect?: ReconnectOptions } = {},
): Promise<{ channel: EnvironmentChannel; server: RecordedConnection }> {
  relay.onConnect(
    options.greet ??
      ((connection) => {
        sendFrame(connection.socket, { type: 'env-state', data: { environment: environmentRecord() } });
      }),
  );
  const channel = await createClient({ url: relay.url, token: 'test-token' }).connect('env_1', { reconnect: options.reconnect });
  channels.push(channel);
  const server = relay.connections.at(-1);
  if (!server) throw new Error('no server-side connection');
  return { channel, server };
}

async function collect(output: AsyncIterable<OutputChunk>): Promise<{ stdout: number[]; stderr: number[]; order: string[] }> {
  const result = { stdout: [] as number[], stderr: [] as number[], order: [] as string[] };
  for await (const chunk of output) {
    result[chunk.stream].push(...chunk.data);
    result.order.push(chunk.stream);
  }
  return result;
}

async function rejection(promise: Promise<unknown>): Promise<CodeboltError> {
  try {
    await promise;
  } catch (error) {
    return error as CodeboltError;
  }
  throw new Error('expected a rejection');
}

describe('connect', () => {
  it('sends the token only as the bearer subprotocol and resolves after env-state', async () => {
    const { channel, server } = await connect();
    expect(server.url.pathname).toBe('/v1/connect');
    expect(server.url.searchParams.get('env')).toBe('env_1');
    expect(server.url.search).not.toContain('test-token');
    expect(String(server.headers['sec-websocket-protocol']).split(/,\s*/)).toEqual(['codebolt.v1', 'bearer.test-token']);
    expect(server.protocol).toBe('codebolt.v1');
    expect(channel.environment?.name).toBe('demo');
    expect(channel.isOpen).toBe(true);
  });

  it('works with an injected WebSocket class', async () => {
    let constructed = 0;
    class CountingWebSocket extends WebSocket {
      constructor(url: string, protocols: string[]) {
        super(url, protocols);
        constructed += 1;
      }
    }
    relay.onConnect((connection) => sendFrame(connection.socket, { type: 'env-state', data: { environment: environmentRecord() } }));
    const channel = await createClient({ url: relay.url, token: 'test-token', WebSocket: CountingWebSocket as unknown as WebSocketConstructor }).connect('env_1');
    channels.push(channel);
    expect(constructed).toBe(1);
  });

  it('a token refused at the handshake rejects with unauthorized (asked over HTTP)', async () => {
    const error = await rejection(createClient({ url: relay.url, token: 'wrong' }).connect('env_1'));
    expect(error).toBeInstanceOf(CodeboltError);
    expect(error.code).toBe('unauthorized');
  });

  it('an error envelope before env-state rejects with its code', async () => {
    relay.onConnect((connection) => {
      sendFrame(connection.socket, { type: 'error', error: { code: 'environment-not-found', message: 'no environment env_9' } });
      connection.socket.close(4404, 'environment-not-found');
    });
    const error = await rejection(createClient({ url: relay.url, token: 'test-token' }).connect('env_9'));
    expect(error.code).toBe('environment-not-found');
    expect(error.message).toBe('no environment env_9');
  });

  it('an unreachable relay is relay-unreachable with the URL and how to start one', async () => {
    const url = relay.url;
    await relay.close();
    relay = await startTestRelay();
    const error = await rejection(createClient({ url, token: 'test-token' }).connect('env_1'));
    expect(error.code).toBe('relay-unreachable');
    expect(error.message).toContain(url);
    expect(error.message).toContain('pnpm codebolt serve');
  });

  it('aborting before env-state rejects with the reason and closes the socket', async () => {
    const serverClosed = new Promise<void>((resolve) => relay.onConnect((connection) => connection.socket.on('close', () => resolve())));
    const controller = new AbortController();
    const connecting = createClient({ url: relay.url, token: 'test-token' }).connect('env_1', { signal: controller.signal });
    while (relay.connections.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const reason = new Error('give up');
    controller.abort(reason);
    expect(await rejection(connecting)).toBe(reason);
    await serverClosed;
  });

  it('aborting after connect closes the channel', async () => {
    relay.onConnect((connection) => sendFrame(connection.socket, { type: 'env-state', data: { environment: environmentRecord() } }));
    const controller = new AbortController();
    const channel = await createClient({ url: relay.url, token: 'test-token' }).connect('env_1', { signal: controller.signal });
    const closed = new Promise((resolve) => channel.on('close', resolve));
    controller.abort();
    expect(await closed).toEqual({ code: 1000, reason: 'closed by the app' });
    expect(channel.isOpen).toBe(false);
  });
});

describe('exec', () => {
  it('sends the request and streams output bytes in order until process-exit', async () => {
    const { channel, server } = await connect();
    const handle = channel.exec('sh', ['-c', 'echo hi'], { cwd: 'sub', env: { A: '1' }, stdin: 'input\n', timeoutMs: 5000 });
    const request = await server.frames.next();
    expect(request).toEqual({
      v: 1,
      type: 'exec',
      id: handle.id,
      data: { command: 'sh', args: ['-c', 'echo hi'], cwd: 'sub', env: { A: '1' }, stdin: bytesToBase64(new TextEncoder().encode('input\n')), timeoutMs: 5000 },
    });
    const binary = new Uint8Array([0, 255, 128, 10]);
    sendFrame(server.socket, { type: 'process-output', re: handle.id, data: { stream: 'stdout', chunk: bytesToBase64(new TextEncoder().encode('hi\n')) } });
    sendFrame(server.socket, { type: 'process-output', re: handle.id, data: { stream: 'stderr', chunk: bytesToBase64(binary) } });
    sendFrame(server.socket, { type: 'process-output', re: handle.id, data: { stream: 'stdout', chunk: bytesToBase64(new TextEncoder().encode('bye\n')) } });
    sendFrame(server.socket, { type: 'process-exit', re: handle.id, data: { code: 3, signal: null } });
    const output = await collect(handle.output);
    expect(new TextDecoder().decode(new Uint8Array(output.stdout))).toBe('hi\nbye\n');
    expect(output.stderr).toEqual([...binary]);
    expect(output.order).toEqual(['stdout', 'stderr', 'stdout']);
    expect(await handle.exit).toEqual({ code: 3, signal: null });
  });

  it('gives every request a unique id and ignores frames for other ids', async () => {
    const { channel, server } = await connect();
    const first = channel.exec('true');
    const second = channel.exec('true');
    expect(first.id).not.toBe(second.id);
    sendFrame(server.socket, { type: 'process-exit', re: 'someone-else', data: { code: 9, signal: null } });
    sendFrame(server.socket, { type: 'process-exit', re: second.id, data: { code: 0, signal: null } });
    sendFrame(server.socket, { type: 'process-exit', re: first.id, data: { code: 1, signal: null } });
    expect((await first.exit).code).toBe(1);
    expect((await second.exit).code).toBe(0);
  });

  it('kill sends process-kill naming the exec id', async () => {
    const { channel, server } = await connect();
    const handle = channel.exec('sleep', ['100']);
    await server.frames.next();
    handle.kill('SIGINT');
    const kill = await server.frames.next();
    expect(kill.type).toBe('process-kill');
    expect(kill.data).toEqual({ process: handle.id, signal: 'SIGINT' });
    expect(kill.id).not.toBe(handle.id);
    sendFrame(server.socket, { type: 'process-exit', re: handle.id, data: { code: null, signal: 'SIGINT' } });
    expect(await handle.exit).toEqual({ code: null, signal: 'SIGINT' });
  });

  it('aborting the exec signal kills it with SIGKILL', async () => {
    const { channel, server } = await connect();
    const controller = new AbortController();
    const handle = channel.exec('sleep', ['100'], { signal: controller.signal });
    await server.frames.next();
    controller.abort();
    const kill = await server.frames.next();
    expect(kill.data).toEqual({ process: handle.id, signal: 'SIGKILL' });
  });

  it('a process that cannot start resolves exit with the error', async () => {
    const { channel, server } = await connect();
    const handle = channel.exec('nope');
    await server.frames.next();
    sendFrame(server.socket, { type: 'process-exit', re: handle.id, data: { code: 127, signal: null, error: { code: 'command-not-found', message: 'nope: not found' } } });
    expect(await handle.exit).toEqual({ code: 127, signal: null, error: { code: 'command-not-found', message: 'nope: not found' } });
    expect((await collect(handle.output)).order).toEqual([]);
  });

  it('an error answer rejects exit and the output iteration with the wire code', async () => {
    const { channel, server } = await connect();
    const handle = channel.exec('ls');
    await server.frames.next();
    sendFrame(server.socket, { type: 'exec', re: handle.id, error: { code: 'invalid-state', message: 'environment is stopped; start it first' } });
    const error = await rejection(handle.exit);
    expect(error.code).toBe('invalid-state');
    expect((await rejection(collect(handle.output))).code).toBe('invalid-state');
  });

  it('invalid options throw bad-request before anything is sent', async () => {
    const { channel } = await connect();
    expect(() => channel.exec('')).toThrow(/invalid exec: command/);
  });

  it('a dropped connection reconnects, resumes the same session from its cursor, resends unacknowledged frames, and the exec carries on', async () => {
    const { channel, server } = await connect({ reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    const reconnecting: unknown[] = [];
    channel.on('reconnecting', (event) => reconnecting.push(event));
    const resumed = new Promise((resolve) => channel.on('resumed', resolve));
    const handle = channel.exec('sleep', ['100']);
    expect((await server.frames.next()).type).toBe('exec');
    sendFrame(server.socket, { type: 'process-output', re: handle.id, seq: 1, data: { stream: 'stdout', chunk: bytesToBase64(new TextEncoder().encode('one\n')) } });
    server.socket.close(1001, 'going away');
    expect(await resumed).toEqual({ epoch: 'test-epoch', head: 0, ack: 0, replayed: 0 });
    expect(reconnecting).toEqual([{ attempt: 1, delayMs: expect.any(Number), reason: '1001: going away' }]);
    const second = relay.connections.at(-1) as RecordedConnection;
    expect(second).not.toBe(server);
    expect(second.frames.resumes[0]?.data).toEqual({ session: channel.sessionId, cursor: { epoch: 'test-epoch', seq: 1 } });
    // The exec was never acknowledged, so it is sent again with the same seq (the relay drops it as a duplicate).
    expect((await second.frames.next()).id).toBe(handle.id);
    expect(second.frames.seqs).toEqual(server.frames.seqs);
    // A replayed duplicate (seq 1 again) is dropped; the stream continues.
    sendFrame(second.socket, { type: 'process-output', re: handle.id, seq: 1, data: { stream: 'stdout', chunk: bytesToBase64(new TextEncoder().encode('one\n')) } });
    sendFrame(second.socket, { type: 'process-output', re: handle.id, seq: 2, data: { stream: 'stdout', chunk: bytesToBase64(new TextEncoder().encode('two\n')) } });
    sendFrame(second.socket, { type: 'process-exit', re: handle.id, seq: 3, data: { code: 0, signal: null } });
    const output = await collect(handle.output);
    expect(new TextDecoder().decode(new Uint8Array(output.stdout))).toBe('one\ntwo\n');
    expect(await handle.exit).toEqual({ code: 0, signal: null });
    expect(channel.gapCount).toBe(0);
  });

  it('a relay that stays unreachable past reconnect.timeoutMs closes the channel and rejects a running exec with relay-unreachable', async () => {
    const { channel, server } = await connect({ reconnect: { timeoutMs: 300, initialDelayMs: 10, maxDelayMs: 40 } });
    const handle = channel.exec('sleep', ['100']);
    await server.frames.next();
    relay.onConnect((connection) => connection.socket.close(1011, 'not now'));
    server.socket.close(1001, 'going away');
    const error = await rejection(handle.exit);
    expect(error.code).toBe('relay-unreachable');
    expect(error.message).toContain('1011: not now');
    expect(relay.connections.length).toBeGreaterThan(2);
    expect(() => channel.exec('ls')).toThrow(CodeboltError);
  });

  it('a gap from the relay is an event and counted', async () => {
    const { channel, server } = await connect();
    const gap = new Promise((resolve) => channel.on('gap', resolve));
    sendFrame(server.socket, { type: 'gap', seq: 5, data: { reason: 'runtime-frames-dropped', lost: 3, message: 'lost 3' } });
    expect(await gap).toEqual({ reason: 'runtime-frames-dropped', lost: 3, message: 'lost 3' });
    expect(channel.gapCount).toBe(1);
  });
});

describe('files, diff and messages', () => {
  it('maps fs and diff calls onto requests and parses the answers', async () => {
    const { channel, server } = await connect();
    const answer = async (data: unknown) => {
      const request = await server.frames.next();
      sendFrame(server.socket, { type: request.type, re: request.id, data });
      return request;
    };
    const read = channel.fs.read('a.txt');
    expect((await answer({ content: 'hello', encoding: 'utf8', size: 5 })).data).toEqual({ path: 'a.txt', encoding: 'utf8' });
    expect(await read).toEqual({ content: 'hello', encoding: 'utf8', size: 5 });

    const write = channel.fs.write('b.bin', new Uint8Array([1, 2, 3]));
    expect((await answer({ size: 3 })).data).toEqual({ path: 'b.bin', content: 'AQID', encoding: 'base64', createParents: true });
    expect(await write).toEqual({ size: 3 });

    const list = channel.fs.list('src');
    expect((await answer({ entries: [{ name: 'x.ts', type: 'file', size: 10 }] })).type).toBe('fs.list');
    expect(await list).toEqual([{ name: 'x.ts', type: 'file', size: 10 }]);

    const remove = channel.fs.remove('tmp', { recursive: true });
    expect((await answer({})).data).toEqual({ path: 'tmp', recursive: true });
    await remove;

    const diff = channel.diff();
    expect((await answer({ diff: '--- a\n+++ b\n', files: [{ path: 'a.txt', status: 'modified' }] })).type).toBe('diff');
    expect((await diff).files).toEqual([{ path: 'a.txt', status: 'modified' }]);
  });

  it('an error answer becomes a CodeboltError with the wire code', async () => {
    const { channel, server } = await connect();
    const read = channel.fs.read('../etc/passwd');
    const request = await server.frames.next();
    sendFrame(server.socket, { type: 'fs.read', re: request.id, error: { code: 'path-outside-workspace', message: 'path escapes the workspace' } });
    const error = await rejection(read);
    expect(error.code).toBe('path-outside-workspace');
    expect(error.message).toBe('path escapes the workspace');
  });

  it('a call without an answer times out', async () => {
    const { channel } = await connect();
    const error = await rejection(channel.fs.list('.', { timeoutMs: 100 }));
    expect(error.code).toBe('timeout');
  });

  it('aborting a call rejects it with the reason', async () => {
    const { channel, server } = await connect();
    const controller = new AbortController();
    const read = channel.fs.read('a.txt', { signal: controller.signal });
    await server.frames.next();
    controller.abort(new Error('not needed'));
    expect(((await rejection(read)) as Error).message).toBe('not needed');
  });

  it('send is fire-and-forget, request waits for the answer, broadcasts become message events', async () => {
    const { channel, server } = await connect();
    const messages: unknown[] = [];
    channel.on('message', (data) => messages.push(data));
    channel.send({ hello: 'world' });
    expect(await server.frames.next()).toEqual({ v: 1, type: 'message', data: { hello: 'world' } });
    const reply = channel.request({ ask: 1 });
    const request = await server.frames.next();
    expect(request.id).toBeDefined();
    sendFrame(server.socket, { type: 'message', data: { broadcast: true } });
    sendFrame(server.socket, { type: 'message', re: request.id, data: { answer: 42 } });
    expect(await reply).toEqual({ answer: 42 });
    expect(messages).toEqual([{ broadcast: true }]);
  });
});

describe('events and failures', () => {
  it('emits env-state, runtime and reconnect events and tracks the latest environment', async () => {
    const { channel, server } = await connect();
    const events: Array<[string, unknown]> = [];
    channel.on('env-state', (environment) => events.push(['env-state', environment.state]));
    channel.on('runtime-connected', (info) => events.push(['runtime-connected', info]));
    channel.on('runtime-disconnected', (info) => events.push(['runtime-disconnected', info]));
    channel.on('lease-warning', (info) => events.push(['lease-warning', info]));
    let reconnected!: () => void;
    const firstReconnect = new Promise<void>((resolve) => (reconnected = resolve));
    const off = channel.on('reconnect', (info) => {
      events.push(['reconnect', info]);
      reconnected();
    });
    const closed = new Promise((resolve) => channel.on('close', resolve));
    sendFrame(server.socket, { type: 'runtime-disconnected', data: { reason: 'restart' } });
    sendFrame(server.socket, { type: 'runtime-connected', data: { version: '0.1.0', generation: 2 } });
    sendFrame(server.socket, { type: 'env-state', data: { environment: environmentRecord({ state: 'stopping' }) } });
    sendFrame(server.socket, { type: 'lease-warning', data: { reason: 'idle-timeout', expiresAt: '2030-01-01T00:00:00.000Z', remainingMs: 5000 } });
    sendFrame(server.socket, { type: 'some-future-event', data: { at: 'soon' } });
    sendFrame(server.socket, { type: 'reconnect', data: { retryAfterMs: 250 } });
    await firstReconnect;
    off();
    sendFrame(server.socket, { type: 'reconnect', data: { retryAfterMs: 999 } });
    server.socket.close(4004, 'environment deleted');
    expect(await closed).toEqual({ code: 4004, reason: 'environment deleted' });
    expect(events).toEqual([
      ['runtime-disconnected', { reason: 'restart' }],
      ['runtime-connected', { version: '0.1.0', generation: 2 }],
      ['env-state', 'stopping'],
      ['lease-warning', { reason: 'idle-timeout', expiresAt: '2030-01-01T00:00:00.000Z', remainingMs: 5000 }],
      ['reconnect', { retryAfterMs: 250 }],
    ]);
    expect(channel.environment?.state).toBe('stopping');
  });

  it('a malformed frame closes the channel and rejects pending calls with internal', async () => {
    const { channel, server } = await connect();
    const read = channel.fs.read('a.txt');
    await server.frames.next();
    server.socket.send('{"v":2,"type":"x"}');
    const error = await rejection(read);
    expect(error.code).toBe('internal');
    expect(error.message).toContain('sent a frame this SDK cannot read');
    expect(channel.isOpen).toBe(false);
  });

  it('close() rejects pending calls and resolves when the socket is closed', async () => {
    const { channel } = await connect();
    const read = channel.fs.read('a.txt');
    await channel.close();
    expect((await rejection(read)).message).toContain('closed by the app');
    expect(() => channel.send('x')).toThrow(/closed by the app/);
  });
});
