import { type AddressInfo, type Server, type Socket, createConnection, createServer } from 'node:net';

/** One proxied TCP connection: the client side (accepted) and the upstream side (dialed). */
export interface ProxiedConnection {
  client: Socket;
  upstream: Socket;
}

/**
 * A small in-process TCP fault proxy for tests: listens on 127.0.0.1 port 0 and forwards every
 * accepted connection to `target`. Faults act on the live connections:
 * - `reset()` destroys both sides abruptly (no close handshake: a dropped network);
 * - `pause()` stops forwarding in both directions (a black hole) until `resume()`;
 * - `delayMs` delays every chunk by that many milliseconds (order is kept);
 * - `halfClose()` ends the client→upstream direction only;
 * - `refuse = true` resets new connections at once (the peer is unreachable).
 * `close()` resets everything and stops listening.
 */
export class FaultProxy {
  readonly connections = new Set<ProxiedConnection>();
  /** Connections accepted so far (including refused ones). */
  accepted = 0;
  delayMs = 0;
  refuse = false;
  private paused = false;
  private readonly pausedQueues = new Map<Socket, Buffer[]>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    public target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const server = createServer();
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new FaultProxy(server, (server.address() as AddressInfo).port, target);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  /** Destroys every live connection abruptly; returns how many were reset. */
  reset(): number {
    const count = this.connections.size;
    for (const connection of [...this.connections]) {
      connection.client.resetAndDestroy();
      connection.upstream.resetAndDestroy();
      this.connections.delete(connection);
    }
    return count;
  }

  /** Stops forwarding data (connections stay open); bytes are held until `resume()`. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const [socket, chunks] of this.pausedQueues) for (const chunk of chunks) if (!socket.destroyed) socket.write(chunk);
    this.pausedQueues.clear();
  }

  /** Ends the client→upstream direction of every connection (a half-close). */
  halfClose(): void {
    for (const connection of this.connections) connection.upstream.end();
  }

  async close(): Promise<void> {
    this.refuse = true;
    this.reset();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    this.accepted += 1;
    if (this.refuse) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection(this.target);
    upstream.on('error', () => undefined);
    const connection = { client, upstream };
    this.connections.add(connection);
    const forward = (from: Socket, to: Socket) => {
      from.on('data', (chunk: Buffer) => {
        const write = () => {
          if (to.destroyed) return;
          if (this.paused) {
            const queue = this.pausedQueues.get(to) ?? [];
            queue.push(chunk);
            this.pausedQueues.set(to, queue);
          } else to.write(chunk);
        };
        if (this.delayMs > 0) setTimeout(write, this.delayMs);
        else write();
      });
      from.on('end', () => to.end());
      from.on('close', () => {
        to.destroy();
        this.connections.delete(connection);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
  }
}
