import {
  appRequestSchemas,
  CodeboltError,
  type DiffResult,
  diffResultSchema,
  encodeEnvelope,
  type Envelope,
  type Environment,
  envelope,
  envStateEventSchema,
  type FsEntry,
  fsListResultSchema,
  fsReadResultSchema,
  fsWriteResultSchema,
  parseData,
  parseEnvelope,
  reconnectEventSchema,
  runtimeConnectedEventSchema,
  runtimeDisconnectedEventSchema,
  type AppRequestType,
} from '@codebolt/protocol';
import { z } from 'zod';
import { bytesToBase64, textToBase64 } from './base64.js';
import type { ChannelEventName, ChannelEvents, ChannelListener } from './channel-events.js';
import type { WebSocketLike } from './client-options.js';
import { type ExecHandle, ExecStream, type KillSignal } from './exec-handle.js';

/** Default limit for one channel request (fs, diff, request), in milliseconds. */
export const DEFAULT_CHANNEL_REQUEST_TIMEOUT_MS = 60_000;

const WEBSOCKET_OPEN = 1;
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
 * events are matched by `re`. When the connection closes, every pending call rejects with a
 * CodeboltError (`runtime-unavailable` unless the relay said why) and `close` is emitted; the
 * channel does not reconnect by itself.
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

  /** Wraps a socket that was just created; attaches listeners only (no I/O). */
  constructor(
    private readonly socket: WebSocketLike,
    readonly environmentId: string,
    private readonly relayUrl: string,
  ) {
    this.readyPromise = new Promise((resolve, reject) => {
      this.settleReady = (error) => (error === undefined ? resolve() : reject(error));
    });
    this.readyPromise.catch(() => undefined);
    this.closedPromise = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    socket.addEventListener('error', (event) => {
      const message = (event as { message?: unknown }).message;
      if (typeof message === 'string' && message) this.socketErrorMessage = message;
    });
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('message', (event) => this.receiveRaw((event as { data: unknown }).data));
    socket.addEventListener('close', (event) => {
      const { code, reason } = event as { code: number; reason: string };
      this.handleClose(code, reason);
    });
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
   * Resolves once the relay sent the first `env-state`; rejects with a CodeboltError if the
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
    this.sendFrame(envelope('exec', { id, data }));
    this.pending.set(id, stream);
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

  /** Sends an opaque `message` to the runtime without waiting for an answer. */
  send(data: unknown): void {
    this.sendFrame(envelope('message', { data }));
  }

  /** Sends an opaque `message` and resolves with the runtime's answer (`re` = its id). */
  request(data: unknown, options: ChannelCallOptions = {}): Promise<unknown> {
    return this.call('message', data, anyData, options);
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

  /** Closes the connection (code 1000); pending calls reject. Resolves once the socket has closed. */
  close(): Promise<void> {
    if (this.state !== 'closed') {
      this.closeError ??= new CodeboltError('runtime-unavailable', 'the channel was closed by the app; connect again with client.connect()');
      this.socket.close(1000, 'closed by the app');
    }
    return this.closedPromise;
  }

  private call<S extends z.ZodType>(type: AppRequestType, data: unknown, schema: S, options: ChannelCallOptions): Promise<z.output<S>> {
    const request = parseData(appRequestSchemas[type], data, type);
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
      try {
        this.sendFrame(envelope(type, { id, data: request }));
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

  private sendFrame(frame: Envelope): void {
    if (this.state !== 'open' || this.socket.readyState !== WEBSOCKET_OPEN) {
      throw this.closeError ?? new CodeboltError('runtime-unavailable', `the channel to environment ${this.environmentId} is closed; connect again with client.connect()`);
    }
    this.socket.send(encodeEnvelope(frame));
  }

  /** The one place frames arrive. A malformed frame closes the channel (a relay/SDK mismatch). */
  private receiveRaw(raw: unknown): void {
    if (this.state === 'closed') return;
    try {
      if (typeof raw !== 'string' && !(raw instanceof ArrayBuffer)) throw new CodeboltError('bad-request', 'frame is neither text nor binary');
      this.handleFrame(parseEnvelope(raw));
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.closeError ??= new CodeboltError('internal', `the relay at ${this.relayUrl} sent a frame this SDK cannot read (${detail}); are the relay and the SDK the same version?`, {
        cause: error,
      });
      this.socket.close(4400, 'malformed frame');
    }
  }

  private handleFrame(frame: Envelope): void {
    if (frame.re !== undefined) {
      const entry = this.pending.get(frame.re);
      if (!entry) return;
      entry.receive(frame);
      if (entry.settled) this.pending.delete(frame.re);
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
        if (this.state === 'connecting') {
          this.state = 'open';
          this.settleReady();
        }
        this.emit('env-state', environment);
        return;
      }
      case 'runtime-connected':
        this.emit('runtime-connected', parseData(runtimeConnectedEventSchema, frame.data, 'runtime-connected'));
        return;
      case 'runtime-disconnected':
        this.emit('runtime-disconnected', parseData(runtimeDisconnectedEventSchema, frame.data, 'runtime-disconnected'));
        return;
      case 'reconnect':
        this.emit('reconnect', parseData(reconnectEventSchema, frame.data, 'reconnect'));
        return;
      case 'message':
        this.emit('message', frame.data);
        return;
      default:
      // Event types this SDK does not know yet (e.g. lease-warning) are ignored.
    }
  }

  private handleClose(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const detail = reason ? `${code}: ${reason}` : String(code);
    const error =
      this.closeError ??
      new CodeboltError('relay-unreachable', `the connection to the relay at ${this.relayUrl} closed (code ${detail}); connect again with client.connect()`);
    this.closeError = error;
    this.settleReady(error);
    const pending = [...this.pending.values()];
    this.pending.clear();
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
