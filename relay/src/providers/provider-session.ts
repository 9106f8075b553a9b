import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import {
  CodeboltError,
  type Envelope,
  type ProviderRequestType,
  encodeEnvelope,
  envelope,
  parseData,
  parseEnvelope,
  providerEventSchemas,
  providerHelloSchema,
  providerResultSchemas,
} from '@codebolt/protocol';
import type { z } from 'zod';
import type { Logger } from '../logger.js';

interface Pending {
  type: ProviderRequestType;
  resolve(value: unknown): void;
  reject(error: CodeboltError): void;
  timer: NodeJS.Timeout;
}

export type ProviderResult<T extends ProviderRequestType> = z.output<(typeof providerResultSchemas)[T]>;

/**
 * One provider process's connection on /v1/provider: request/response by `id`/`re`, and the
 * provider's events (`heartbeat`, `resourceState`, `log`) re-emitted. Emits 'close'.
 */
export class ProviderSession extends EventEmitter {
  readonly #pending = new Map<string, Pending>();
  #nextId = 1;
  #closed = false;
  lastHeartbeatAt = Date.now();
  hello: z.output<typeof providerHelloSchema> | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly label: string,
    private readonly logger: Logger,
  ) {
    super();
    socket.on('message', (data, isBinary) => this.#onFrame(data as Buffer, isBinary));
    socket.on('close', () => this.#onClose());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends a request and resolves with the provider's parsed answer; rejects with its error. */
  request<T extends ProviderRequestType>(type: T, data: unknown, options: { timeoutMs: number; signal?: AbortSignal }): Promise<ProviderResult<T>> {
    if (this.#closed) return Promise.reject(new CodeboltError('provider-unavailable', `provider ${this.label} is not connected`));
    const id = `r${this.#nextId++}`;
    return new Promise<ProviderResult<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new CodeboltError('timeout', `provider ${this.label} did not answer ${type} within ${options.timeoutMs} ms; see \`codebolt env logs\``));
      }, options.timeoutMs);
      this.#pending.set(id, { type, resolve: resolve as (value: unknown) => void, reject, timer });
      options.signal?.addEventListener('abort', () => this.#settle(id, new CodeboltError('timeout', `${type} was cancelled`)), { once: true });
      this.socket.send(encodeEnvelope(envelope(type, { id, data })));
    });
  }

  close(): void {
    this.socket.close(1000, 'done');
  }

  #settle(id: string, error: CodeboltError): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.reject(error);
  }

  #onFrame(data: Buffer, isBinary: boolean): void {
    let message: Envelope;
    try {
      if (isBinary) throw new CodeboltError('bad-request', 'binary frames are not accepted on /v1/provider');
      message = parseEnvelope(data);
    } catch (error) {
      const body = CodeboltError.from(error).toBody();
      this.socket.send(encodeEnvelope({ v: 1, type: 'error', error: body }));
      return;
    }
    if (message.re !== undefined) return this.#onAnswer(message);
    try {
      this.#onEvent(message);
    } catch (error) {
      const body = CodeboltError.from(error).toBody();
      this.socket.send(encodeEnvelope({ v: 1, type: message.type, ...(message.id ? { re: message.id } : {}), error: body }));
    }
  }

  #onAnswer(message: Envelope): void {
    const pending = this.#pending.get(message.re!);
    if (!pending) return;
    this.#pending.delete(message.re!);
    clearTimeout(pending.timer);
    if (message.error) return pending.reject(new CodeboltError(message.error.code, `provider ${this.label}: ${message.error.message}`));
    try {
      pending.resolve(parseData(providerResultSchemas[pending.type], message.data, `${pending.type} answer`));
    } catch (error) {
      pending.reject(new CodeboltError('provider-error', `provider ${this.label} sent a malformed ${pending.type} answer: ${(error as Error).message}`));
    }
  }

  #onEvent(message: Envelope): void {
    switch (message.type) {
      case 'providerHello': {
        this.hello = parseData(providerHelloSchema, message.data, 'providerHello');
        if (message.id) this.socket.send(encodeEnvelope(envelope('providerHello', { re: message.id, data: {} })));
        this.emit('hello', this.hello);
        return;
      }
      case 'heartbeat':
        this.lastHeartbeatAt = Date.now();
        return;
      case 'resourceState':
        this.emit('resourceState', parseData(providerEventSchemas.resourceState, message.data, 'resourceState'));
        return;
      case 'log': {
        const log = parseData(providerEventSchemas.log, message.data, 'log');
        this.logger[log.level](`provider ${this.label}: ${log.message}`);
        return;
      }
      default:
        throw new CodeboltError('bad-request', `unknown message type "${message.type}" on /v1/provider`);
    }
  }

  #onClose(): void {
    this.#closed = true;
    for (const id of [...this.#pending.keys()]) {
      this.#settle(id, new CodeboltError('provider-unavailable', `provider ${this.label} disconnected; see \`codebolt env logs\``));
    }
    this.emit('close');
  }
}
