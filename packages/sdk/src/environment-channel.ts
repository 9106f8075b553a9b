import {
  appRequestSchemas,
  CodeboltError,
  type DiffResult,
  diffResultSchema,
  encodeEnvelope,
  encodeFrame,
  type Envelope,
  type Environment,
  envelope,
  envStateEventSchema,
  gapEventSchema,
  resumedEventSchema,
  type FsEntry,
  fsListResultSchema,
  fsReadResultSchema,
  fsWriteResultSchema,
  parseData,
  parseFrame,
  reconnectEventSchema,
  runtimeConnectedEventSchema,
  runtimeDisconnectedEventSchema,
  type AppRequestType,
  environmentSchema,
  isRelayRequestType,
  leaseWarningEventSchema,
  type RelayRequestType,
  relayRequestSchemas,
} from '@codebolt/protocol';
import { z } from 'zod';
import { bytesToBase64, textToBase64 } from './base64.js';
import type { ChannelEventName, ChannelEvents, ChannelListener } from './channel-events.js';
import type { WebSocketLike } from './client-options.js';
import { type ExecHandle, ExecStream, type KillSignal } from './exec-handle.js';
import { DEFAULT_RECONNECT_OPTIONS, type ReconnectOptions, reconnectDelayMs } from './reconnect-policy.js';

/** How a channel opens a fresh socket to the same environment (used to reconnect). */
export type SocketOpener = () => Promise<WebSocketLike>;

export interface ChannelConnectionOptions {
  /** Opens a new socket for a reconnect; without it the channel does not reconnect. */
  reopen?: SocketOpener;
  reconnect?: ReconnectOptions;
  /** Application-level heartbeat; `false` turns it off. */
  heartbeat?: HeartbeatOptions | false | undefined;
}

/**
 * The channel's own check that the relay still answers. Browsers cannot see WebSocket pings, so
 * the channel sends a small `ping` frame every `intervalMs` (the relay answers `pong`); when
 * nothing at all has arrived for `intervalMs + timeoutMs`, the connection is taken for dead,
 * dropped at once and reconnected (then resumed, losing nothing).
 */
export interface HeartbeatOptions {
  /** Milliseconds between pings. Default 15000. */
  intervalMs?: number;
  /** Extra milliseconds of silence tolerated after a ping. Default 10000. */
  timeoutMs?: number;
}

const DEFAULT_HEARTBEAT = { intervalMs: 15_000, timeoutMs: 10_000 };

/** Close codes after which reconnecting is pointless: 4002 (another connection resumed this session), 4004 (deleted), 4400 (malformed frame). */
const FINAL_CLOSE_CODES = new Set([4002, 4004, 4400]);

function randomSessionId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return bytesToBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Default limit for one channel request (fs, diff, request), in milliseconds. */
export const DEFAULT_CHANNEL_REQUEST_TIMEOUT_MS = 60_000;

const WEBSOCKET_OPEN = 1;
const WEBSOCKET_CLOSED = 3;
const anyData = z.unknown();

export interface ChannelCallOptions {
  /** Aborting rejects with `signal.reason` (the remote operation may still complete). */
  signal?: AbortSignal;
  /** Reject with `timeout` when no answer came within this many milliseconds. Default 60 000. */
  timeoutMs?: number;
}

export interface ExecOptions {
  /** Working directory relative to the workspace root. Default: the root. */
  cwd?: string;
  /** Extra environment variables for the process. */
  env?: Record<string, string>;
  /** Written to the process's stdin, which is then closed (a string is sent as UTF-8). */
  stdin?: string | Uint8Array;
  /** The runtime kills the process (SIGKILL) after this many milliseconds. Default: no limit. */
  timeoutMs?: number;
  /** Aborting sends `process-kill` SIGKILL. */
  signal?: AbortSignal;
}

export interface ReadOptions extends ChannelCallOptions {
  /** `utf8` (default) returns text; `base64` returns the bytes base64-encoded. */
  encoding?: 'utf8' | 'base64';
}

export interface WriteOptions extends ChannelCallOptions {
  /** How a string `content` is encoded: `utf8` (default) or `base64`. Ignored for bytes. */
  encoding?: 'utf8' | 'base64';
  /** Create missing parent directories. Default true. */
  createParents?: boolean;
}

export interface RemoveOptions extends ChannelCallOptions {
  /** Remove a directory and everything in it. Default false. */
  recursive?: boolean;
}

export interface ExtendLeaseOptions extends ChannelCallOptions {
  /** Keep the environment from idling out for this long, ms (at most 30 days). Omit to only report activity. */
  durationMs?: number;
}

/** The relay's answer to `lease.extend`: the environment's lease after the extension. */
const leaseAnswerSchema = z.object({ lease: environmentSchema.shape.lease });

export interface DiffOptions extends ChannelCallOptions {
  /** Limit the diff to this workspace path. */
  path?: string;
}

export type FsReadResult = z.infer<typeof fsReadResultSchema>;

/** File operations inside the environment's workspace (paths are workspace-relative). */
export interface ChannelFileSystem {
  /** Rejects with `file-not-found`, `path-outside-workspace`, … */
  read(path: string, options?: ReadOptions): Promise<FsReadResult>;
  /** Writes a string or bytes; resolves with the size written in bytes. */
  write(path: string, content: string | Uint8Array, options?: WriteOptions): Promise<{ size: number }>;
  /** Lists a directory (default `.`). */
  list(path?: string, options?: ChannelCallOptions): Promise<FsEntry[]>;
  remove(path: string, options?: RemoveOptions): Promise<void>;
}

interface PendingRequest {
  receive(frame: Envelope): void;
  fail(error: unknown): void;
  readonly settled: boolean;
}

/**
 * A live connection to one environment through the relay (`/v1/connect`). Create it with
 * `client.connect(environmentId)`. Requests are numbered per channel; answers and streamed
 * events are matched by `re`.
 *
 * The channel is lossless across reconnects. It names its app session with a random id and
 * sends `resume { session, cursor }` as the first frame of every connection; every frame it
 * sends carries a `seq` and is kept until the relay acknowledges it. When the connection drops
 * it emits `reconnecting`, redials with full-jitter backoff, and after `resumed` the relay has
 * replayed every frame after the cursor (exactly once, in order) and the channel resends its
 * unacknowledged frames; pending calls and running execs carry on. Loss that cannot be
 * recovered (the relay's window no longer covers the cursor, or the relay lost its state) is
 * reported as a `gap` event and counted in `gapCount`. The channel closes for good (every
 * pending call rejects, `close` is emitted) on `close()`, when the environment is deleted, when
 * the first connection fails, or when no connection succeeded within `reconnect.timeoutMs`.
 */
export class EnvironmentChannel {
  readonly fs: ChannelFileSystem;
  private readonly pending = new Map<string, PendingRequest>();
  private readonly listeners = new Map<ChannelEventName, Set<(payload: never) => void>>();
  private latestEnvironment: Environment | undefined;
  private requestCounter = 0;
  private state: 'connecting' | 'open' | 'closed' = 'connecting';
  private closeError: CodeboltError | undefined;
  private socketErrorMessage: string | undefined;
  private readonly readyPromise: Promise<void>;
  private settleReady!: (error?: unknown) => void;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;

  private socket: WebSocketLike;
  /** This channel's app session id, kept across reconnects. */
  readonly sessionId = randomSessionId();
  private epoch: string | undefined;
  private lastSeq = 0;
  /** The last runtime frame received: its place in the runtime's own stream (see `Envelope.origin`). */
  private lastOrigin: { stream: string; seq: number } | undefined;
  private outboundSeq = 0;
  private outbound: Array<{ seq: number; text: string | Uint8Array; id?: string | undefined }> = [];
  /** The frames of requests still waiting for their answer, by id: asked again after the relay lost its state. */
  private readonly unanswered = new Map<string, Envelope>();
  /** Set by a `gap { reason: "epoch-changed" }`: the next `resumed` asks again for every unanswered request. */
  private askAgainAfterResume = false;
  /** True once the relay answered `resume` on the current socket. */
  private live = false;
  private resumeCounter = 0;
  private resumedOnce = false;
  private reconnectAttempt = 0;
  private disconnectedAt: number | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectFloorMs = 0;
  private gaps = 0;
  private readonly reconnectOptions: Required<ReconnectOptions>;
  private readonly heartbeat: Required<HeartbeatOptions> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;
  private pingCounter = 0;
  /** Sockets given up on (heartbeat): their late events are ignored. */
  private readonly abandoned = new WeakSet<WebSocketLike>();

  /** Wraps a socket that was just created; attaches listeners only (no I/O). */
  constructor(
    socket: WebSocketLike,
    readonly environmentId: string,
    private readonly relayUrl: string,
    private readonly connection: ChannelConnectionOptions = {},
  ) {
    this.socket = socket;
    this.reconnectOptions = { ...DEFAULT_RECONNECT_OPTIONS, ...connection.reconnect };
    this.heartbeat = connection.heartbeat === false ? undefined : { ...DEFAULT_HEARTBEAT, ...connection.heartbeat };
    this.readyPromise = new Promise((resolve, reject) => {
      this.settleReady = (error) => (error === undefined ? resolve() : reject(error));
    });
    this.readyPromise.catch(() => undefined);
    this.closedPromise = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.attach(socket);
    this.fs = {
      read: (path, options = {}) => this.call('fs.read', { path, encoding: options.encoding ?? 'utf8' }, fsReadResultSchema, options),
      write: (path, content, options = {}) => {
        const bytes = typeof content !== 'string';
        const data = {
          path,
          content: bytes ? bytesToBase64(content) : content,
          encoding: bytes ? 'base64' : (options.encoding ?? 'utf8'),
          createParents: options.createParents ?? true,
        };
        return this.call('fs.write', data, fsWriteResultSchema, options);
      },
      list: async (path = '.', options = {}) => (await this.call('fs.list', { path }, fsListResultSchema, options)).entries,
      remove: async (path, options = {}) => {
        await this.call('fs.remove', { path, recursive: options.recursive ?? false }, anyData, options);
      },
    };
  }

  /** The latest environment record the relay sent (`env-state`); set once `connect` resolved. */
  get environment(): Environment | undefined {
    return this.latestEnvironment;
  }

  /** True until the channel closed. */
  get isOpen(): boolean {
    return this.state !== 'closed';
  }

  /**
   * Resolves once the relay sent the first `env-state` and attached the channel to its stream (`resumed`); rejects with a CodeboltError if the
   * connection closed or was refused first, or with `signal.reason` (closing the socket).
   */
  async ready(signal?: AbortSignal): Promise<void> {
    if (!signal) return this.readyPromise;
    if (signal.aborted) {
      this.close();
      throw signal.reason;
    }
    const onAbort = (): void => {
      this.close();
      this.settleReady(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.readyPromise;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Why the connection closed before it was ready (the socket error or close code), for diagnostics. */
  get failureDetail(): string | undefined {
    return this.socketErrorMessage;
  }

  /**
   * Starts `command` with `args` in the workspace and returns at once. Throws
   * CodeboltError('bad-request') for invalid options, `runtime-unavailable` when the channel is
   * closed. See {@link ExecHandle} for output, exit and kill.
   */
  exec(command: string, args: string[] = [], options: ExecOptions = {}): ExecHandle {
    const data = parseData(
      appRequestSchemas.exec,
      {
        command,
        args,
        cwd: options.cwd,
        env: options.env,
        stdin: options.stdin === undefined ? undefined : typeof options.stdin === 'string' ? textToBase64(options.stdin) : bytesToBase64(options.stdin),
        timeoutMs: options.timeoutMs,
      },
      'exec',
    );
    const id = this.nextId();
    const stream = new ExecStream(id, (process, signal) => this.sendKill(process, signal));
    const frame = envelope('exec', { id, data });
    this.sendFrame(frame);
    this.pending.set(id, stream);
    this.unanswered.set(id, frame);
    const signal = options.signal;
    if (signal) {
      const onAbort = (): void => stream.kill('SIGKILL');
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        void stream.exit.finally(() => signal.removeEventListener('abort', onAbort)).catch(() => undefined);
      }
    }
    return stream;
  }

  /** The workspace's changes since the environment was created (`diff`). */
  diff(options: DiffOptions = {}): Promise<DiffResult> {
    return this.call('diff', options.path === undefined ? {} : { path: options.path }, diffResultSchema, options);
  }

  /**
   * Sends an opaque `message` to the runtime without waiting for an answer. Bytes (a
   * `Uint8Array` or `ArrayBuffer`) travel as one binary frame and arrive as bytes; anything else
   * as JSON.
   */
  send(data: unknown): void {
    this.sendFrame(envelope('message', { data: asBytes(data) }));
  }

  /** Sends an opaque `message` and resolves with the runtime's answer (`re` = its id); bytes as in {@link send}. */
  request(data: unknown, options: ChannelCallOptions = {}): Promise<unknown> {
    return this.call('message', asBytes(data), anyData, options);
  }

  /**
   * Extends the environment's lease (`lease.extend`, answered by the relay): counts as activity
   * (the idle clock restarts) and, with `durationMs`, keeps the environment from idling out for
   * that long — up to its maximum lifetime, or past it for an admin token. Resolves with the lease
   * after the extension; rejects `invalid-state` when the environment is not running, `forbidden`
   * for a viewer token.
   */
  extendLease(options: ExtendLeaseOptions = {}): Promise<z.output<typeof leaseAnswerSchema>> {
    return this.call('lease.extend', options.durationMs === undefined ? {} : { durationMs: options.durationMs }, leaseAnswerSchema, options);
  }

  /** Adds a listener; returns a function that removes it. A throwing listener does not disturb the channel. */
  on<E extends ChannelEventName>(event: E, listener: ChannelListener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  /** How many `gap` events this channel has seen: frames provably lost. 0 means nothing was lost. */
  get gapCount(): number {
    return this.gaps;
  }

  /** Closes the connection (code 1000); pending calls reject. Resolves once the socket has closed. */
  close(): Promise<void> {
    if (this.state !== 'closed') {
      this.closeError ??= new CodeboltError('runtime-unavailable', 'the channel was closed by the app; connect again with client.connect()');
      if (this.reconnectTimer !== undefined || this.socket.readyState === WEBSOCKET_CLOSED) this.finalClose(1000, 'closed by the app');
      else this.socket.close(1000, 'closed by the app');
    }
    return this.closedPromise;
  }

  private attach(socket: WebSocketLike): void {
    socket.addEventListener('error', (event) => {
      const message = (event as { message?: unknown }).message;
      if (typeof message === 'string' && message) this.socketErrorMessage = message;
    });
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => {
      if (socket === this.socket) this.sendResume({});
    });
    socket.addEventListener('message', (event) => {
      if (socket === this.socket && !this.abandoned.has(socket)) {
        this.lastFrameAt = Date.now();
        this.receiveRaw((event as { data: unknown }).data);
      }
    });
    socket.addEventListener('close', (event) => {
      if (socket !== this.socket || this.abandoned.has(socket)) return;
      const { code, reason } = event as { code: number; reason: string };
      this.handleClose(code, reason);
    });
  }

  private sendResume(extra: { fromOldest?: boolean }): void {
    this.resumeCounter += 1;
    const cursor = this.epoch === undefined ? undefined : { epoch: this.epoch, seq: this.lastSeq };
    this.socket.send(encodeEnvelope(envelope('resume', { id: `resume-${this.resumeCounter}`, data: { session: this.sessionId, cursor, ...extra } })));
  }

  private call<S extends z.ZodType>(type: AppRequestType | RelayRequestType, data: unknown, schema: S, options: ChannelCallOptions): Promise<z.output<S>> {
    const request = isRelayRequestType(type) ? parseData(relayRequestSchemas[type], data, type) : parseData(appRequestSchemas[type], data, type);
    const signal = options.signal;
    const timeoutMs = options.timeoutMs ?? DEFAULT_CHANNEL_REQUEST_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const id = this.nextId();
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
        this.unanswered.delete(id);
        entry.settled = true;
      };
      const onAbort = (): void => {
        cleanup();
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new CodeboltError('timeout', `${type} got no answer within ${timeoutMs} ms; the runtime may be busy or away (pass a larger timeoutMs)`));
      }, timeoutMs);
      const entry = {
        settled: false,
        receive: (frame: Envelope) => {
          cleanup();
          if (frame.error) {
            reject(new CodeboltError(frame.error.code, frame.error.message));
            return;
          }
          try {
            resolve(parseData(schema, frame.data, `${type} answer`));
          } catch (error) {
            reject(error);
          }
        },
        fail: (error: unknown) => {
          cleanup();
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, entry);
      const frame = envelope(type, { id, data: request });
      this.unanswered.set(id, frame);
      try {
        this.sendFrame(frame);
      } catch (error) {
        entry.fail(error);
      }
    });
  }

  private sendKill(process: string, signal: KillSignal): void {
    if (this.state !== 'open') return;
    this.sendFrame(envelope('process-kill', { id: this.nextId(), data: { process, signal } }));
  }

  private nextId(): string {
    this.requestCounter += 1;
    return `r${this.requestCounter}`;
  }

  /** Numbers a frame and keeps it until the relay acknowledges it; sends it now when the stream is live, else after `resumed`. */
  private sendFrame(frame: Envelope): void {
    if (this.state === 'closed') {
      throw this.closeError ?? new CodeboltError('runtime-unavailable', `the channel to environment ${this.environmentId} is closed; connect again with client.connect()`);
    }
    this.outboundSeq += 1;
    const text = encodeFrame({ ...frame, seq: this.outboundSeq });
    this.outbound.push({ seq: this.outboundSeq, text, id: frame.id });
    if (this.live && this.socket.readyState === WEBSOCKET_OPEN) this.socket.send(text);
  }

  private acknowledged(ack: number): void {
    let count = 0;
    while (count < this.outbound.length && (this.outbound[count] as { seq: number }).seq <= ack) count += 1;
    if (count > 0) this.outbound = this.outbound.slice(count);
  }

  private onResumed(frame: Envelope): void {
    const resumed = parseData(resumedEventSchema, frame.data, 'resumed');
    this.epoch = resumed.epoch;
    this.live = true;
    this.acknowledged(resumed.ack);
    for (const { text } of this.outbound) this.socket.send(text);
    if (this.askAgainAfterResume) this.askAgain();
    const reconnected = this.resumedOnce;
    this.resumedOnce = true;
    this.startHeartbeat();
    this.openWhenAttached();
    this.reconnectAttempt = 0;
    this.disconnectedAt = undefined;
    if (reconnected) this.emit('resumed', resumed);
  }

  /**
   * After the relay lost its state (a new epoch: it was killed before it could save its streams),
   * an answer the old relay had received may never arrive, and a request it had acknowledged may
   * never have reached the runtime. So every request still waiting for its answer and no longer
   * in the resend queue is sent again, with its own id: the runtime's idempotency window serves
   * a request it never saw, ignores a repeat of one still running (a long exec carries on) and
   * answers a repeat of one it has answered with the same answer. Output streamed meanwhile may
   * be lost; that is what the `gap` event said.
   */
  private askAgain(): void {
    this.askAgainAfterResume = false;
    const queued = new Set(this.outbound.map((entry) => entry.id));
    for (const [id, frame] of this.unanswered) {
      if (!this.pending.has(id)) this.unanswered.delete(id);
      else if (!queued.has(id)) this.sendFrame(frame);
    }
  }

  /** The channel is ready once the relay sent the environment's state and attached it to the stream (`resumed`). */
  private openWhenAttached(): void {
    if (this.state !== 'connecting' || !this.resumedOnce || this.latestEnvironment === undefined) return;
    this.state = 'open';
    this.settleReady();
  }

  /** Where this channel is in the environment's stream: resuming from here loses nothing. Undefined before the first `resumed`. */
  get cursor(): { epoch: string; seq: number } | undefined {
    return this.epoch === undefined ? undefined : { epoch: this.epoch, seq: this.lastSeq };
  }

  private onResumeRefused(frame: Envelope): void {
    const error = frame.error as { code: CodeboltError['code']; message: string };
    if (error.code === 'cursor-expired') {
      // The relay answers this with a `gap` event (counted there), then the retained frames.
      this.sendResume({ fromOldest: true });
      return;
    }
    this.closeError = new CodeboltError(error.code, error.message);
    this.settleReady(this.closeError);
    this.socket.close(1000, 'resume refused');
  }

  /** The one place frames arrive. A malformed frame closes the channel (a relay/SDK mismatch). */
  private receiveRaw(raw: unknown): void {
    if (this.state === 'closed') return;
    try {
      if (typeof raw !== 'string' && !(raw instanceof ArrayBuffer)) throw new CodeboltError('bad-request', 'frame is neither text nor binary');
      this.handleFrame(parseFrame(raw, typeof raw !== 'string'));
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.closeError ??= new CodeboltError('internal', `the relay at ${this.relayUrl} sent a frame this SDK cannot read (${detail}); are the relay and the SDK the same version?`, {
        cause: error,
      });
      this.socket.close(4400, 'malformed frame');
    }
  }

  private handleFrame(frame: Envelope): void {
    if (frame.seq !== undefined) {
      if (frame.seq <= this.lastSeq) return;
      this.lastSeq = frame.seq;
    }
    if (frame.origin !== undefined) {
      // A runtime frame this channel already has, delivered again by a relay that lost its state.
      if (this.lastOrigin?.stream === frame.origin.stream && frame.origin.seq <= this.lastOrigin.seq) return;
      this.lastOrigin = frame.origin;
    }
    switch (frame.type) {
      case 'ack':
        if (frame.ack !== undefined) this.acknowledged(frame.ack);
        return;
      case 'resumed':
        return this.onResumed(frame);
      case 'gap': {
        this.gaps += 1;
        const gap = parseData(gapEventSchema, frame.data, 'gap');
        if (gap.reason === 'epoch-changed') {
          // A new incarnation of the stream: its seqs start again at 1, and the replay follows.
          this.lastSeq = 0;
          this.askAgainAfterResume = true;
        }
        this.emit('gap', gap);
        return;
      }
      case 'resume':
        if (frame.error) return this.onResumeRefused(frame);
        return;
      case 'pong':
        return;
      default:
    }
    if (frame.re !== undefined) {
      const entry = this.pending.get(frame.re);
      if (!entry) return;
      entry.receive(frame);
      if (entry.settled) {
        this.pending.delete(frame.re);
        this.unanswered.delete(frame.re);
      }
      return;
    }
    if (frame.error) {
      // The relay refuses the whole connection (e.g. unknown environment) and then closes it.
      this.closeError = new CodeboltError(frame.error.code, frame.error.message);
      this.settleReady(this.closeError);
      return;
    }
    switch (frame.type) {
      case 'env-state': {
        const { environment } = parseData(envStateEventSchema, frame.data, 'env-state');
        this.latestEnvironment = environment;
        this.openWhenAttached();
        this.emit('env-state', environment);
        return;
      }
      case 'runtime-connected':
        this.emit('runtime-connected', parseData(runtimeConnectedEventSchema, frame.data, 'runtime-connected'));
        return;
      case 'runtime-disconnected':
        this.emit('runtime-disconnected', parseData(runtimeDisconnectedEventSchema, frame.data, 'runtime-disconnected'));
        return;
      case 'reconnect': {
        const notice = parseData(reconnectEventSchema, frame.data, 'reconnect');
        this.reconnectFloorMs = notice.retryAfterMs;
        this.emit('reconnect', notice);
        return;
      }
      case 'message':
        this.emit('message', frame.data);
        return;
      case 'lease-warning':
        this.emit('lease-warning', parseData(leaseWarningEventSchema, frame.data, 'lease-warning'));
        return;
      default:
      // Event types this SDK does not know yet are ignored.
    }
  }

  private startHeartbeat(): void {
    clearInterval(this.heartbeatTimer);
    const heartbeat = this.heartbeat;
    if (!heartbeat) return;
    this.lastFrameAt = Date.now();
    const socket = this.socket;
    this.heartbeatTimer = setInterval(() => {
      if (socket !== this.socket || !this.live) return;
      const silentMs = Date.now() - this.lastFrameAt;
      if (silentMs > heartbeat.intervalMs + heartbeat.timeoutMs) {
        // A black hole: a close handshake would never finish, so give the socket up now.
        this.abandoned.add(socket);
        const terminate = (socket as WebSocketLike & { terminate?: () => void }).terminate;
        if (terminate) terminate.call(socket);
        else socket.close(4000, 'no answer from the relay');
        this.handleClose(1006, `no frame from the relay for ${silentMs} ms`);
        return;
      }
      this.pingCounter += 1;
      socket.send(encodeEnvelope(envelope('ping', { id: `ping-${this.pingCounter}` })));
    }, heartbeat.intervalMs);
  }

  private handleClose(code: number, reason: string): void {
    if (this.state === 'closed') return;
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    this.live = false;
    const now = Date.now();
    this.disconnectedAt ??= now;
    const canReconnect =
      this.state === 'open' &&
      this.closeError === undefined &&
      this.connection.reopen !== undefined &&
      !FINAL_CLOSE_CODES.has(code) &&
      now - this.disconnectedAt < this.reconnectOptions.timeoutMs;
    if (!canReconnect) return this.finalClose(code, reason);
    const delayMs = reconnectDelayMs(this.reconnectAttempt, this.reconnectOptions, this.reconnectFloorMs);
    this.reconnectAttempt += 1;
    this.reconnectFloorMs = 0;
    this.emit('reconnecting', { attempt: this.reconnectAttempt, delayMs, reason: reason ? `${code}: ${reason}` : String(code) });
    this.reconnectTimer = setTimeout(() => this.redial(), delayMs);
  }

  private redial(): void {
    this.reconnectTimer = undefined;
    const reopen = this.connection.reopen as SocketOpener;
    reopen().then(
      (socket) => {
        if (this.state === 'closed') {
          socket.close(1000, 'closed by the app');
          return;
        }
        this.socket = socket;
        this.attach(socket);
      },
      (error: unknown) => this.handleClose(1006, error instanceof Error ? error.message : String(error)),
    );
  }

  private finalClose(code: number, reason: string): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.state = 'closed';
    const detail = reason ? `${code}: ${reason}` : String(code);
    const error =
      this.closeError ??
      new CodeboltError('relay-unreachable', `the connection to the relay at ${this.relayUrl} closed (code ${detail}); connect again with client.connect()`);
    this.closeError = error;
    this.settleReady(error);
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.unanswered.clear();
    for (const entry of pending) entry.fail(error);
    this.emit('close', { code, reason });
    this.resolveClosed();
  }

  private emit<E extends ChannelEventName>(event: E, payload: ChannelEvents[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as ChannelListener<E>)(payload);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

/** An `ArrayBuffer` as a `Uint8Array` (a binary frame's payload); anything else as it is. */
function asBytes(data: unknown): unknown {
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
