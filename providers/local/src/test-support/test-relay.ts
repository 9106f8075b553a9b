import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { encodeEnvelope, envelope, parseEnvelope, type Envelope } from '@codebolt/protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import { within } from './report-server.js';

/**
 * A relay endpoint for tests: a real `ws` server on 127.0.0.1, port 0, that accepts one bearer
 * token (401 otherwise), records the Authorization header and every frame of each connection,
 * and answers the peer's hello request (`providerHello` or the runtime's `hello`) with `helloAnswer`.
 */
export class TestRelay {
  readonly peers: RelayPeer[] = [];
  private readonly waiters: Array<() => void> = [];

  private constructor(
    private readonly server: WebSocketServer,
    readonly port: number,
  ) {}

  static async start(token: string, helloAnswer: Record<string, unknown> = {}): Promise<TestRelay> {
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      verifyClient: (info, callback) => callback(info.req.headers.authorization === `Bearer ${token}`, 401, 'Unauthorized'),
    });
    server.on('error', () => {});
    await once(server, 'listening');
    const relay = new TestRelay(server, (server.address() as AddressInfo).port);
    server.on('connection', (socket, request) => {
      socket.on('error', () => {});
      relay.peers.push(new RelayPeer(socket, request.url ?? '', request.headers.authorization, helloAnswer));
      for (const waiter of relay.waiters.splice(0)) waiter();
    });
    return relay;
  }

  url(path: string): string {
    return `ws://127.0.0.1:${this.port}${path}`;
  }

  async connection(index: number): Promise<RelayPeer> {
    return within(
      new Promise<RelayPeer>((resolve) => {
        const check = (): void => {
          const peer = this.peers[index];
          if (peer) resolve(peer);
          else this.waiters.push(check);
        };
        check();
      }),
      `connection #${index} to the test relay`,
    );
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }
}

export class RelayPeer {
  readonly frames: Envelope[] = [];
  /** Settles when the connection closes. */
  readonly closed: Promise<void>;
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly socket: WebSocket,
    readonly path: string,
    readonly authorization: string | undefined,
    helloAnswer: Record<string, unknown>,
  ) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('message', (raw) => {
      const message = parseEnvelope(raw as Buffer);
      this.frames.push(message);
      if ((message.type === 'providerHello' || message.type === 'hello') && message.id !== undefined) {
        socket.send(encodeEnvelope(envelope(message.type, { re: message.id, data: helloAnswer })));
      }
      for (const waiter of this.waiters.splice(0)) waiter();
    });
  }

  async waitForFrame(predicate: (frame: Envelope) => boolean, what: string): Promise<Envelope> {
    return within(
      new Promise<Envelope>((resolve) => {
        const check = (): void => {
          const frame = this.frames.find(predicate);
          if (frame) resolve(frame);
          else this.waiters.push(check);
        };
        check();
      }),
      what,
    );
  }

  async request(type: string, data: unknown): Promise<Envelope> {
    const id = `req-${randomUUID()}`;
    this.socket.send(encodeEnvelope(envelope(type, { id, data })));
    return this.waitForFrame((frame) => frame.re === id, `the answer to ${type}`);
  }
}
