import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { encodeEnvelope, envelope, parseEnvelope, type Envelope } from '@codebolt/protocol';
import { WebSocketServer, type WebSocket } from 'ws';

/** Generous: tests run on a loaded 2-core machine. */
export const WAIT_TIMEOUT_MS = 20_000;

/**
 * The relay side of `/v1/provider` for tests: a real `ws` server on 127.0.0.1, port 0. It checks
 * the bearer token (401 otherwise), answers `providerHello`, records every frame, and lets a test
 * send requests and wait for frames.
 */
export class TestRelay {
  readonly peers: RelayPeer[] = [];
  private readonly peerWaiters: Array<(peer: RelayPeer) => void> = [];

  private constructor(
    private readonly server: WebSocketServer,
    readonly url: string,
  ) {}

  static async start(token: string): Promise<TestRelay> {
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      verifyClient: (info, callback) => callback(info.req.headers.authorization === `Bearer ${token}`, 401, 'Unauthorized'),
    });
    server.on('error', () => {});
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const relay = new TestRelay(server, `ws://127.0.0.1:${port}/v1/provider`);
    server.on('connection', (socket, request) => {
      socket.on('error', () => {});
      const peer = new RelayPeer(socket, request.headers.authorization);
      relay.peers.push(peer);
      for (const waiter of relay.peerWaiters.splice(0)) waiter(peer);
    });
    return relay;
  }

  /** The `index`-th connection (0-based), waiting for it if it has not come yet. */
  async connection(index: number, timeoutMs = WAIT_TIMEOUT_MS): Promise<RelayPeer> {
    return withTimeout(
      new Promise<RelayPeer>((resolve) => {
        const check = (): void => {
          const peer = this.peers[index];
          if (peer) resolve(peer);
          else this.peerWaiters.push(check);
        };
        check();
      }),
      timeoutMs,
      `connection #${index} to the test relay`,
    );
  }

  /** Cuts every connection and closes the server. */
  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }
}

/** One provider connection as the relay sees it. */
export class RelayPeer {
  readonly frames: Envelope[] = [];
  readonly closed: Promise<void>;
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly socket: WebSocket,
    readonly authorization: string | undefined,
  ) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('message', (raw) => {
      const message = parseEnvelope(raw as Buffer);
      this.frames.push(message);
      if (message.type === 'providerHello' && message.id !== undefined) {
        this.sendRaw(encodeEnvelope(envelope('providerHello', { re: message.id, data: {} })));
      }
      for (const waiter of this.waiters.splice(0)) waiter();
    });
  }

  /** Waits until `count` received frames match `predicate`; returns them. */
  async waitForFrames(predicate: (frame: Envelope) => boolean, count: number, what: string, timeoutMs = WAIT_TIMEOUT_MS): Promise<Envelope[]> {
    return withTimeout(
      new Promise<Envelope[]>((resolve) => {
        const check = (): void => {
          const matching = this.frames.filter(predicate);
          if (matching.length >= count) resolve(matching.slice(0, count));
          else this.waiters.push(check);
        };
        check();
      }),
      timeoutMs,
      what,
    );
  }

  async waitForFrame(predicate: (frame: Envelope) => boolean, what: string, timeoutMs = WAIT_TIMEOUT_MS): Promise<Envelope> {
    const [frame] = await this.waitForFrames(predicate, 1, what, timeoutMs);
    return frame!;
  }

  /** Sends a request and waits for its answer (`re` = its id). */
  async request(type: string, data: unknown, timeoutMs = WAIT_TIMEOUT_MS): Promise<Envelope> {
    const id = `req-${randomUUID()}`;
    this.sendRaw(encodeEnvelope(envelope(type, { id, data })));
    return this.waitForFrame((frame) => frame.re === id, `the answer to ${type}`, timeoutMs);
  }

  /** Waits for a `log` event with this message. */
  async waitForLog(message: string): Promise<Envelope> {
    return this.waitForFrame((frame) => frame.type === 'log' && (frame.data as { message?: string }).message === message, `log "${message}"`);
  }

  logMessages(): string[] {
    return this.frames.filter((frame) => frame.type === 'log').map((frame) => (frame.data as { message: string }).message);
  }

  sendRaw(text: string): void {
    this.socket.send(text);
  }

  terminate(): void {
    this.socket.terminate();
  }
}

export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
