import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { parseEnvelope, type Envelope } from '@codebolt/protocol';

/** Test support: the relay's side of `/v1/runtime` on a real socket (127.0.0.1, port 0). */
export interface ReceivedFrame {
  /** Which accepted connection (0, 1, …) carried the frame. */
  connection: number;
  /** The parsed frame, or undefined when the runtime sent something that is not an envelope. */
  envelope: Envelope | undefined;
  raw: string;
}

type VerifyCallback = (result: boolean, code?: number, message?: string) => void;

interface Waiter<T> {
  predicate: (value: T) => boolean;
  resolve: (value: T) => void;
}

const DEFAULT_WAIT_MS = 30_000;

/**
 * A stand-in for the relay's runtime endpoint. It checks `Authorization: Bearer <token>` against
 * `acceptedTokens` (else 401), can refuse every upgrade with a status, can hold upgrades pending
 * until released, answers `hello` with `{ environmentId, generation }` (and `ack`, the highest
 * runtime seq it holds, like the relay), records every frame once (a numbered frame at or below
 * the highest seq already recorded is a resent duplicate: counted in `duplicates`, not recorded),
 * acknowledges numbered frames, and can drop the connection abruptly or gracefully.
 */
export class TestRelay {
  readonly acceptedTokens = new Set<string>();
  /** When set, every upgrade is answered with this HTTP status. */
  refuseStatus: number | undefined;
  /** When true, upgrades wait (unanswered) until releaseUpgrades(). */
  holdUpgrades = false;
  /** Authorization headers of every upgrade attempt, in order. */
  readonly authorizations: string[] = [];
  readonly frames: ReceivedFrame[] = [];
  /** Accepted connections, in order; the last one is the current one. */
  readonly sockets: WebSocket[] = [];
  helloCount = 0;
  /** Resent numbered frames that were already recorded. */
  duplicates = 0;
  private highestSeq = 0;
  private runtimeStream: unknown;

  private readonly held: VerifyCallback[] = [];
  private frameWaiters: Array<Waiter<ReceivedFrame>> = [];
  private attemptWaiters: Array<Waiter<number>> = [];
  private helloWaiters: Array<Waiter<number>> = [];

  private constructor(
    private readonly server: WebSocketServer,
    readonly url: string,
  ) {}

  static async start(token: string): Promise<TestRelay> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/runtime', verifyClient: (info, callback) => relay.verify(info.req, callback) });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    const { port } = server.address() as AddressInfo;
    const relay: TestRelay = new TestRelay(server, `ws://127.0.0.1:${port}/v1/runtime`);
    relay.acceptedTokens.add(token);
    server.on('connection', (socket) => relay.accept(socket));
    return relay;
  }

  /** The runtime's connection currently open (the last accepted one). */
  get current(): WebSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('no runtime has connected yet');
    return socket;
  }

  /** Sends a request to the runtime on the current connection. */
  request(type: string, id: string | undefined, data?: unknown): void {
    const frame: Record<string, unknown> = { v: 1, type };
    if (id !== undefined) frame.id = id;
    if (data !== undefined) frame.data = data;
    this.current.send(JSON.stringify(frame));
  }

  /** Sends a request and waits for the frame answering it (same type, `re` = id). */
  async call(type: string, id: string, data?: unknown): Promise<Envelope> {
    const answer = this.waitForFrame((frame) => frame.envelope?.re === id && frame.envelope.type === type, `${type} answer to ${id}`);
    this.request(type, id, data);
    return (await answer).envelope as Envelope;
  }

  /** Resolves with the first recorded frame (past or future) that matches. */
  waitForFrame(predicate: (frame: ReceivedFrame) => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedFrame> {
    const found = this.frames.find(predicate);
    if (found) return Promise.resolve(found);
    return this.wait(this.frameWaiters, predicate, `frame: ${what}`, timeoutMs);
  }

  /** Resolves when the number of answered hellos reaches `count`. */
  waitForHello(count = 1, timeoutMs = DEFAULT_WAIT_MS): Promise<number> {
    if (this.helloCount >= count) return Promise.resolve(this.helloCount);
    return this.wait(this.helloWaiters, (seen) => seen >= count, `hello #${count}`, timeoutMs);
  }

  /** Resolves when the number of upgrade attempts reaches `count`. */
  waitForUpgradeAttempt(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<number> {
    if (this.authorizations.length >= count) return Promise.resolve(this.authorizations.length);
    return this.wait(this.attemptWaiters, (seen) => seen >= count, `upgrade attempt #${count}`, timeoutMs);
  }

  /** Lets held upgrades proceed (and stops holding new ones). */
  releaseUpgrades(): void {
    this.holdUpgrades = false;
    for (const callback of this.held.splice(0)) callback(true);
  }

  /** Destroys the current connection without a close handshake. */
  dropAbruptly(): void {
    this.current.terminate();
  }

  /** Closes every socket and the server; resolves when the server is closed. */
  async close(): Promise<void> {
    for (const callback of this.held.splice(0)) callback(false, 503, 'test relay closing');
    for (const socket of this.server.clients) socket.terminate();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private verify(request: IncomingMessage, callback: VerifyCallback): void {
    const authorization = request.headers.authorization ?? '';
    this.authorizations.push(authorization);
    this.notify(this.attemptWaiters, this.authorizations.length);
    if (this.refuseStatus !== undefined) return callback(false, this.refuseStatus, 'refused by the test relay');
    const token = authorization.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : '';
    if (!this.acceptedTokens.has(token)) return callback(false, 401, 'invalid runtime token');
    if (this.holdUpgrades) {
      this.held.push(callback);
      return;
    }
    callback(true);
  }

  private accept(socket: WebSocket): void {
    socket.on('error', () => undefined);
    const connection = this.sockets.length;
    this.sockets.push(socket);
    socket.on('message', (data) => {
      const raw = data.toString();
      let envelope: Envelope | undefined;
      try {
        envelope = parseEnvelope(raw);
      } catch {
        envelope = undefined;
      }
      if (envelope?.type === 'hello' && envelope.id !== undefined) {
        const stream = (envelope.data as { stream?: unknown } | undefined)?.stream;
        if (stream !== this.runtimeStream) {
          this.runtimeStream = stream;
          this.highestSeq = 0;
        }
        socket.send(JSON.stringify({ v: 1, type: 'hello', re: envelope.id, data: { environmentId: 'env-test', generation: 1, ack: this.highestSeq } }));
        this.helloCount += 1;
        this.notify(this.helloWaiters, this.helloCount);
      }
      if (envelope?.seq !== undefined) {
        socket.send(JSON.stringify({ v: 1, type: 'ack', ack: Math.max(envelope.seq, this.highestSeq) }));
        if (envelope.seq <= this.highestSeq) {
          this.duplicates += 1;
          return;
        }
        this.highestSeq = envelope.seq;
      }
      const frame: ReceivedFrame = { connection, envelope, raw };
      this.frames.push(frame);
      this.notify(this.frameWaiters, frame);
    });
  }

  private wait<T>(waiters: Array<Waiter<T>>, predicate: (value: T) => boolean, what: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        predicate,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
      };
      const timer = setTimeout(() => {
        const index = waiters.indexOf(waiter);
        if (index >= 0) waiters.splice(index, 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      waiters.push(waiter);
    });
  }

  private notify<T>(waiters: Array<Waiter<T>>, value: T): void {
    for (const waiter of [...waiters]) {
      if (!waiter.predicate(value)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(value);
    }
  }
}

/** Everything an exec produced, rebuilt from the recorded frames once its process-exit arrived. */
export interface ExecOutcome {
  stdout: string;
  stderr: string;
  /** Output chunks in arrival order. */
  chunks: Array<{ stream: 'stdout' | 'stderr'; text: string }>;
  exit: { code: number | null; signal: string | null; error?: { code: string; message: string } };
  /** Frames with `re` = the exec id that arrived after process-exit (must be none). */
  framesAfterExit: number;
  exitCount: number;
}

/** Waits for the exec's process-exit and rebuilds its output. */
export async function execOutcome(relay: TestRelay, id: string, timeoutMs = DEFAULT_WAIT_MS): Promise<ExecOutcome> {
  await relay.waitForFrame((frame) => frame.envelope?.type === 'process-exit' && frame.envelope.re === id, `process-exit of ${id}`, timeoutMs);
  const related = relay.frames.map((frame) => frame.envelope).filter((frame): frame is Envelope => frame?.re === id);
  const chunks: ExecOutcome['chunks'] = [];
  let exit: ExecOutcome['exit'] | undefined;
  let framesAfterExit = 0;
  let exitCount = 0;
  for (const frame of related) {
    if (frame.type === 'process-exit') {
      exitCount += 1;
      exit ??= frame.data as ExecOutcome['exit'];
    } else if (exit) framesAfterExit += 1;
    else if (frame.type === 'process-output') {
      const { stream, chunk } = frame.data as { stream: 'stdout' | 'stderr'; chunk: string };
      chunks.push({ stream, text: Buffer.from(chunk, 'base64').toString('utf8') });
    }
  }
  const join = (stream: string): string => chunks.filter((chunk) => chunk.stream === stream).map((chunk) => chunk.text).join('');
  return { stdout: join('stdout'), stderr: join('stderr'), chunks, exit: exit as ExecOutcome['exit'], framesAfterExit, exitCount };
}
