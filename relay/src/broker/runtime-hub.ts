import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { AckScheduler, CodeboltError, type Envelope, encodeEnvelope, encodeFrame, envelope, errorEnvelope, parseData, parseFrame, runtimeHelloSchema } from '@codebolt/protocol';
import type { Logger } from '../logger.js';

import type { StreamStore } from '../stream/environment-stream.js';

export interface RuntimeConnection {
  environmentId: string;
  generation: number;
  socket: WebSocket;
  ready: boolean;
  version: string | null;
  pid: number | null;
  /** Batches the cumulative acks of the runtime's numbered frames. */
  acks: AckScheduler | undefined;
}

export interface RuntimeHubLimits {
  /** Frames queued per environment while its runtime is away. Default 1,000. */
  queueMaxFrames: number;
  /** Bytes queued per environment while its runtime is away. Default 16 MiB. */
  queueMaxBytes: number;
  /** A runtime socket that sends no hello within this is closed (4008), ms. Default 10 000. */
  helloTimeoutMs?: number;
}

/**
 * The runtimes connected on /v1/runtime, one per environment (a newer connection supersedes an
 * older one). Frames toward a runtime are numbered (`seq`) and kept until the runtime acks them
 * (bounded by the queue limits), so frames sent while it is away, or lost in a dropped
 * connection, are resent in order after its next hello. The runtime's own numbered frames are
 * acknowledged (batched) and duplicates dropped by seq; a jump in its seq means it had to drop
 * frames, reported as the event 'gap'.
 * Events: 'connected' (connection), 'disconnected' (environmentId, generation, reason),
 * 'frame' (environmentId, envelope), 'gap' (environmentId, lostFrames).
 */
export class RuntimeHub extends EventEmitter {
  readonly #connections = new Map<string, RuntimeConnection>();

  constructor(
    private readonly limits: RuntimeHubLimits,
    private readonly logger: Logger,
    readonly streams: StreamStore,
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
    const connection: RuntimeConnection = { environmentId, generation, socket, ready: false, version: null, pid: null, acks: undefined };
    this.#connections.set(environmentId, connection);
    socket.on('message', (data, isBinary) => this.#onFrame(connection, data as Buffer, isBinary));
    const helloTimeoutMs = this.limits.helloTimeoutMs ?? 10_000;
    const helloTimer = setTimeout(() => {
      if (!connection.ready) socket.close(4008, `no hello within ${helloTimeoutMs} ms`);
    }, helloTimeoutMs);
    socket.on('close', (code, reason) => {
      connection.acks?.dispose();
      clearTimeout(helloTimer);
      if (this.#connections.get(environmentId) === connection) this.#connections.delete(environmentId);
      if (connection.ready) this.emit('disconnected', environmentId, generation, `runtime connection closed (${code}${reason.length ? `: ${reason.toString()}` : ''})`);
    });
  }

  /**
   * Numbers a frame for the environment's runtime, keeps it until acknowledged, and sends it now
   * if the runtime is connected. Returns false when too many frames wait for an ack (the limits).
   */
  send(environmentId: string, message: Envelope): boolean {
    const stream = this.streams.get(environmentId);
    const frame = stream.retainForRuntime((seq) => encodeFrame({ ...message, seq }));
    if (!frame) return false;
    this.connection(environmentId)?.socket.send(frame.text);
    return true;
  }

  /** Closes the environment's runtime connection and drops the frames waiting for it. */
  disconnect(environmentId: string, reason: string): void {
    this.streams.get(environmentId).dropUnacked();
    const connection = this.#connections.get(environmentId);
    if (!connection) return;
    this.#connections.delete(environmentId);
    connection.acks?.dispose();
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
      message = parseFrame(data, isBinary);
    } catch (error) {
      connection.socket.send(encodeEnvelope(errorEnvelope('error', CodeboltError.from(error).toBody())));
      return;
    }
    if (!connection.ready) {
      if (message.type !== 'hello' || !message.id) {
        connection.socket.send(encodeEnvelope(errorEnvelope(message.type, { code: 'bad-request', message: 'send hello first' }, message.id)));
        return;
      }
      let hello;
      try {
        hello = parseData(runtimeHelloSchema, message.data, 'hello');
        connection.version = hello.version;
        connection.pid = hello.pid;
      } catch (error) {
        connection.socket.send(encodeEnvelope(errorEnvelope('hello', CodeboltError.from(error).toBody(), message.id)));
        return;
      }
      const stream = this.streams.get(connection.environmentId);
      if (hello.received && hello.received.epoch === stream.epoch) stream.acknowledgeRuntime(hello.received.seq);
      if (hello.stream !== stream.runtimeStream) {
        stream.runtimeStream = hello.stream;
        stream.runtimeSeq = 0;
      }
      connection.acks = new AckScheduler((ack) => {
        if (connection.socket.readyState === connection.socket.OPEN) connection.socket.send(encodeEnvelope({ v: 1, type: 'ack', ack }));
      });
      connection.ready = true;
      const welcome = { environmentId: connection.environmentId, generation: connection.generation, epoch: stream.epoch, ack: stream.runtimeSeq };
      connection.socket.send(encodeEnvelope(envelope('hello', { re: message.id, data: welcome })));
      for (const frame of stream.unacked) connection.socket.send(frame.text);
      this.logger.info('runtime connected', { environmentId: connection.environmentId, generation: connection.generation, pid: connection.pid });
      this.emit('connected', connection);
      return;
    }
    if (message.type === 'ack') {
      if (message.ack !== undefined) this.streams.get(connection.environmentId).acknowledgeRuntime(message.ack);
      return;
    }
    if (message.seq !== undefined) {
      const stream = this.streams.get(connection.environmentId);
      const seq = message.seq;
      connection.acks?.received(Math.max(seq, stream.runtimeSeq));
      if (seq <= stream.runtimeSeq) return;
      const lost = stream.runtimeSeq > 0 ? seq - stream.runtimeSeq - 1 : 0;
      stream.runtimeSeq = seq;
      if (lost > 0) this.emit('gap', connection.environmentId, lost);
      delete message.seq;
      if (stream.runtimeStream !== undefined) message.origin = { stream: stream.runtimeStream, seq };
    }
    this.emit('frame', connection.environmentId, message);
  }
}
