import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { CodeboltError, type Envelope, encodeEnvelope, envelope, errorEnvelope, parseData, parseEnvelope, runtimeHelloSchema } from '@codebolt/protocol';
import type { Logger } from '../logger.js';

export interface RuntimeConnection {
  environmentId: string;
  generation: number;
  socket: WebSocket;
  ready: boolean;
  version: string | null;
  pid: number | null;
}

export interface RuntimeHubLimits {
  /** Frames queued per environment while its runtime is away. Default 1,000. */
  queueMaxFrames: number;
  /** Bytes queued per environment while its runtime is away. Default 16 MiB. */
  queueMaxBytes: number;
  /** A runtime socket that sends no hello within this is closed (4008), ms. Default 10 000. */
  helloTimeoutMs?: number;
}

interface Queue {
  frames: string[];
  bytes: number;
}

/**
 * The runtimes connected on /v1/runtime, one per environment (a newer connection supersedes an
 * older one). Frames for an absent runtime are queued (bounded) and flushed after its hello.
 * Events: 'connected' (connection), 'disconnected' (environmentId, generation, reason),
 * 'frame' (environmentId, envelope).
 */
export class RuntimeHub extends EventEmitter {
  readonly #connections = new Map<string, RuntimeConnection>();
  readonly #queues = new Map<string, Queue>();

  constructor(
    private readonly limits: RuntimeHubLimits,
    private readonly logger: Logger,
  ) {
    super();
  }

  get size(): number {
    return this.#connections.size;
  }

  connection(environmentId: string): RuntimeConnection | undefined {
    const connection = this.#connections.get(environmentId);
    return connection?.ready ? connection : undefined;
  }

  /** Takes a socket authenticated for (environmentId, generation) and waits for its hello. */
  accept(socket: WebSocket, environmentId: string, generation: number): void {
    const previous = this.#connections.get(environmentId);
    if (previous) previous.socket.close(4000, 'superseded by a newer runtime connection');
    const connection: RuntimeConnection = { environmentId, generation, socket, ready: false, version: null, pid: null };
    this.#connections.set(environmentId, connection);
    socket.on('message', (data, isBinary) => this.#onFrame(connection, data as Buffer, isBinary));
    const helloTimeoutMs = this.limits.helloTimeoutMs ?? 10_000;
    const helloTimer = setTimeout(() => {
      if (!connection.ready) socket.close(4008, `no hello within ${helloTimeoutMs} ms`);
    }, helloTimeoutMs);
    socket.on('close', (code, reason) => {
      clearTimeout(helloTimer);
      if (this.#connections.get(environmentId) === connection) this.#connections.delete(environmentId);
      if (connection.ready) this.emit('disconnected', environmentId, generation, `runtime connection closed (${code}${reason.length ? `: ${reason.toString()}` : ''})`);
    });
  }

  /** Sends an encoded frame to the environment's runtime, or queues it. Returns false when the queue is full. */
  send(environmentId: string, frame: string): boolean {
    const connection = this.connection(environmentId);
    if (connection) {
      connection.socket.send(frame);
      return true;
    }
    const queue = this.#queues.get(environmentId) ?? { frames: [], bytes: 0 };
    if (queue.frames.length >= this.limits.queueMaxFrames || queue.bytes + frame.length > this.limits.queueMaxBytes) return false;
    queue.frames.push(frame);
    queue.bytes += frame.length;
    this.#queues.set(environmentId, queue);
    return true;
  }

  /** Closes the environment's runtime connection and drops its queue. */
  disconnect(environmentId: string, reason: string): void {
    this.#queues.delete(environmentId);
    const connection = this.#connections.get(environmentId);
    if (!connection) return;
    this.#connections.delete(environmentId);
    connection.socket.close(4001, reason.slice(0, 100));
    if (connection.ready) this.emit('disconnected', environmentId, connection.generation, reason);
  }

  /** Sends a relay-originated frame (e.g. `reconnect`) to every connected runtime. */
  broadcast(message: Envelope): void {
    const frame = encodeEnvelope(message);
    for (const connection of this.#connections.values()) if (connection.ready) connection.socket.send(frame);
  }

  closeAll(code: number, reason: string): void {
    for (const connection of this.#connections.values()) connection.socket.close(code, reason);
    this.#connections.clear();
  }

  /** Resolves when a runtime of `generation` has said hello; rejects on timeout or abort. */
  waitFor(environmentId: string, generation: number, timeoutMs: number, signal?: AbortSignal): Promise<RuntimeConnection> {
    const current = this.connection(environmentId);
    if (current && current.generation === generation) return Promise.resolve(current);
    if (signal?.aborted) return Promise.reject(new CodeboltError('timeout', 'cancelled while waiting for the runtime to connect'));
    return new Promise((resolve, reject) => {
      const onConnected = (connection: RuntimeConnection) => {
        if (connection.environmentId !== environmentId || connection.generation !== generation) return;
        cleanup();
        resolve(connection);
      };
      const onAbort = () => {
        cleanup();
        reject(new CodeboltError('timeout', 'cancelled while waiting for the runtime to connect'));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new CodeboltError('timeout', `the runtime did not connect back within ${timeoutMs} ms; check that it can reach the relay (see \`codebolt env logs ${environmentId}\`)`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('connected', onConnected);
        signal?.removeEventListener('abort', onAbort);
      };
      this.on('connected', onConnected);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #onFrame(connection: RuntimeConnection, data: Buffer, isBinary: boolean): void {
    let message: Envelope;
    try {
      if (isBinary) throw new CodeboltError('bad-request', 'binary frames are not accepted on /v1/runtime yet');
      message = parseEnvelope(data);
    } catch (error) {
      connection.socket.send(encodeEnvelope(errorEnvelope('error', CodeboltError.from(error).toBody())));
      return;
    }
    if (!connection.ready) {
      if (message.type !== 'hello' || !message.id) {
        connection.socket.send(encodeEnvelope(errorEnvelope(message.type, { code: 'bad-request', message: 'send hello first' }, message.id)));
        return;
      }
      try {
        const hello = parseData(runtimeHelloSchema, message.data, 'hello');
        connection.version = hello.version;
        connection.pid = hello.pid;
      } catch (error) {
        connection.socket.send(encodeEnvelope(errorEnvelope('hello', CodeboltError.from(error).toBody(), message.id)));
        return;
      }
      connection.ready = true;
      connection.socket.send(encodeEnvelope(envelope('hello', { re: message.id, data: { environmentId: connection.environmentId, generation: connection.generation } })));
      this.#flush(connection);
      this.logger.info('runtime connected', { environmentId: connection.environmentId, generation: connection.generation, pid: connection.pid });
      this.emit('connected', connection);
      return;
    }
    this.emit('frame', connection.environmentId, message);
  }

  #flush(connection: RuntimeConnection): void {
    const queue = this.#queues.get(connection.environmentId);
    if (!queue) return;
    this.#queues.delete(connection.environmentId);
    for (const frame of queue.frames) connection.socket.send(frame);
  }
}
