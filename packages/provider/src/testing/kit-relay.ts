import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { CodeboltError, encodeEnvelope, envelope, isErrorCode, parseEnvelope, type Envelope, type ProcessExit } from '@codebolt/protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import { Changes } from './wait.js';

/** Options of `KitRelay.start`; every field is optional. */
export interface KitRelayOptions {
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port to listen on. Default 0 (any free port). */
  port?: number;
  /** `ws(s)://host:port` (no path) runtimes dial when they cannot reach 127.0.0.1; `/v1/runtime` is appended. */
  publicUrl?: string;
  /** The runtime endpoint handed to providers, when runtimes reach this server through a tunnel. Default `ws://127.0.0.1:<port>/v1/runtime`. */
  publicRuntimeUrl?: string;
}

/**
 * The relay side of a conformance run: a real `ws` server on 127.0.0.1, port 0, serving
 * `/v1/provider` (one per-run bearer secret) and `/v1/runtime` (tokens issued by
 * `issueRuntimeToken`, each bound to one environment). It answers `providerHello` and the
 * runtime's `hello` the way the relay does, and lets the suite send requests to either side.
 */
export class KitRelay {
  readonly providerToken = randomBytes(24).toString('base64url');
  readonly providers: KitPeer[] = [];
  readonly runtimes: KitPeer[] = [];
  private readonly runtimeTokens = new Map<string, { environmentId: string; generation: number }>();
  private readonly changes = new Changes();

  private constructor(
    private readonly server: WebSocketServer,
    readonly port: number,
    private readonly publicRuntimeUrl: string | undefined,
  ) {}

  /**
   * Listens on `options.host` (default 127.0.0.1) and `options.port` (default 0: any free port).
   * Runtimes that run somewhere 127.0.0.1 does not reach (a cloud sandbox or task in a live test)
   * are told to dial `options.publicRuntimeUrl` (the full `ws(s)://…/v1/runtime` address), or
   * `options.publicUrl` (`ws(s)://host:port`, no path) + `/v1/runtime`.
   */
  static async start(options: KitRelayOptions = {}): Promise<KitRelay> {
    const server = new WebSocketServer({ host: options.host ?? '127.0.0.1', port: options.port ?? 0, maxPayload: 64 * 1024 * 1024 });
    server.on('error', () => {});
    await once(server, 'listening');
    const publicRuntimeUrl = options.publicRuntimeUrl ?? (options.publicUrl ? `${options.publicUrl.replace(/\/$/, '')}/v1/runtime` : undefined);
    const relay = new KitRelay(server, (server.address() as AddressInfo).port, publicRuntimeUrl);
    server.options.verifyClient = (info, callback) => callback(relay.accepts(info.req.url ?? '', info.req.headers.authorization), 401, 'Unauthorized');
    server.on('connection', (socket, request) => relay.onConnection(socket, request.url ?? '', request.headers.authorization ?? ''));
    return relay;
  }

  get providerUrl(): string {
    return `ws://127.0.0.1:${this.port}/v1/provider`;
  }

  get runtimeUrl(): string {
    return this.publicRuntimeUrl ?? `ws://127.0.0.1:${this.port}/v1/runtime`;
  }

  /** A fresh runtime token for `environmentId`; earlier tokens of it stay valid (as on a real relay until they expire). */
  issueRuntimeToken(environmentId: string): string {
    const token = `kit-runtime-${randomBytes(18).toString('base64url')}`;
    const generation = [...this.runtimeTokens.values()].filter((entry) => entry.environmentId === environmentId).length + 1;
    this.runtimeTokens.set(token, { environmentId, generation });
    return token;
  }

  /** The `index`-th provider connection that finished its hello. */
  provider(index: number, what = `provider connection #${index}`): Promise<KitPeer> {
    return this.changes.until(() => this.providers.filter((peer) => peer.ready)[index], what);
  }

  /** The runtime that connected with `token` and finished its hello. */
  runtime(token: string, what: string): Promise<KitPeer> {
    return this.changes.until(() => this.runtimes.find((peer) => peer.ready && peer.authorization === `Bearer ${token}`), what);
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private accepts(url: string, authorization: string | undefined): boolean {
    const path = url.split('?')[0];
    if (path === '/v1/provider') return authorization === `Bearer ${this.providerToken}`;
    if (path === '/v1/runtime') return authorization?.startsWith('Bearer ') === true && this.runtimeTokens.has(authorization.slice(7));
    return false;
  }

  private onConnection(socket: WebSocket, url: string, authorization: string): void {
    socket.on('error', () => {});
    const isProvider = url.split('?')[0] === '/v1/provider';
    const welcome = isProvider ? {} : this.runtimeTokens.get(authorization.slice(7));
    const peer = new KitPeer(socket, authorization, isProvider ? 'providerHello' : 'hello', welcome ?? {}, this.changes);
    (isProvider ? this.providers : this.runtimes).push(peer);
    this.changes.notify();
  }
}

/** One connection to the kit relay (a provider process or a runtime). */
export class KitPeer {
  readonly frames: Envelope[] = [];
  ready = false;
  closed = false;
  readonly closedPromise: Promise<void>;

  constructor(
    private readonly socket: WebSocket,
    readonly authorization: string,
    helloType: string,
    welcome: object,
    private readonly changes: Changes,
  ) {
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        changes.notify();
        resolve();
      }),
    );
    socket.on('message', (raw) => {
      let frame: Envelope;
      try {
        frame = parseEnvelope(raw as Buffer);
      } catch {
        return;
      }
      this.frames.push(frame);
      if (frame.type === helloType && frame.id !== undefined) {
        socket.send(encodeEnvelope(envelope(helloType, { re: frame.id, data: welcome })));
        this.ready = true;
      }
      changes.notify();
    });
  }

  /** Sends request `type` and resolves with the answer's data; an error answer rejects with its `CodeboltError`. */
  async request<T = unknown>(type: string, data: unknown, what = `the answer to ${type}`): Promise<T> {
    const id = `kit-${randomUUID()}`;
    this.socket.send(encodeEnvelope(envelope(type, { id, data })));
    const answer = await this.changes.until(() => this.frames.find((frame) => frame.re === id) ?? (this.closed ? null : undefined), what);
    if (answer === null) throw new Error(`the connection closed before ${what} arrived`);
    if (answer.error) throw new CodeboltError(isErrorCode(answer.error.code) ? answer.error.code : 'internal', answer.error.message);
    return answer.data as T;
  }

  /** Runs `exec` in the runtime and collects its output until `process-exit`. */
  async exec(command: string, args: string[]): Promise<{ exit: ProcessExit; stdout: string; stderr: string }> {
    const id = `kit-exec-${randomUUID()}`;
    this.socket.send(encodeEnvelope(envelope('exec', { id, data: { command, args } })));
    const exit = await this.changes.until(
      () => this.frames.find((frame) => frame.re === id && (frame.type === 'process-exit' || frame.error !== undefined)),
      `exec ${command} to exit`,
    );
    if (exit.error) throw new CodeboltError(isErrorCode(exit.error.code) ? exit.error.code : 'internal', exit.error.message);
    const output = { stdout: '', stderr: '' };
    for (const frame of this.frames) {
      if (frame.re !== id || frame.type !== 'process-output') continue;
      const { stream, chunk } = frame.data as { stream: 'stdout' | 'stderr'; chunk: string };
      output[stream] += Buffer.from(chunk, 'base64').toString('utf8');
    }
    return { exit: exit.data as ProcessExit, ...output };
  }

  /** Waits until the connection has closed. */
  async waitClosed(what: string): Promise<void> {
    await this.changes.until(() => (this.closed ? true : undefined), what);
  }
}
