import { type CreateEnvironmentInput, type Environment, environmentSchema, type LogChunk, logChunkSchema } from '@codebolt/protocol';
import { z } from 'zod';
import type { HttpClient } from './http-client.js';
import { type WaitOptions, type WaitTarget, waitForEnvironment, waitForEnvironmentDeleted } from './wait-for-environment.js';

const environmentListSchema = z.object({ environments: z.array(environmentSchema) });

export interface CallOptions {
  /** Aborting rejects the call with `signal.reason`. */
  signal?: AbortSignal;
}

export interface CreateOptions extends CallOptions {
  /** Sent as the `Idempotency-Key` header: replaying the same key and input returns the same environment. */
  idempotencyKey?: string;
}

export interface LogsOptions extends CallOptions {
  /** Byte offset into provider.log to read from. Default 0. Pass the previous `nextOffset` to follow. */
  offset?: number;
}

/**
 * `client.environments`: the environment verbs of the HTTP API. Every method rejects with a
 * CodeboltError carrying the relay's code (`environment-not-found`, `unauthorized`, …).
 * start, stop, restart and delete return as soon as the relay accepted the verb (HTTP 202); use
 * {@link EnvironmentsApi.waitFor} / {@link EnvironmentsApi.waitForDeleted} to wait for the outcome.
 */
export class EnvironmentsApi {
  constructor(private readonly http: HttpClient) {}

  /** `POST /v1/environments`. Resolves with the record in state `creating`. */
  create(input: CreateEnvironmentInput, options: CreateOptions = {}): Promise<Environment> {
    const headers: Record<string, string> = {};
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    return this.http.request({ method: 'POST', path: '/v1/environments', schema: environmentSchema, body: input, headers, signal: options.signal });
  }

  /** `GET /v1/environments`: the environments this token may see. */
  async list(options: CallOptions = {}): Promise<Environment[]> {
    const result = await this.http.request({ method: 'GET', path: '/v1/environments', schema: environmentListSchema, signal: options.signal });
    return result.environments;
  }

  /** `GET /v1/environments/:idOrName` (an id first, then a unique name). */
  get(idOrName: string, options: CallOptions = {}): Promise<Environment> {
    return this.http.request({ method: 'GET', path: environmentPath(idOrName), schema: environmentSchema, signal: options.signal });
  }

  /** `POST …/start`: bring a stopped (or failed) environment back to `running`. */
  start(id: string, options: CallOptions = {}): Promise<Environment> {
    return this.verb(id, 'start', options);
  }

  /** `POST …/stop`: stop it, keeping the resource (`stopped`). */
  stop(id: string, options: CallOptions = {}): Promise<Environment> {
    return this.verb(id, 'stop', options);
  }

  /** `POST …/restart`: stop and start again (`running`). */
  restart(id: string, options: CallOptions = {}): Promise<Environment> {
    return this.verb(id, 'restart', options);
  }

  /** `DELETE /v1/environments/:id`: destroy the resource and the record. Resolves with state `deleting`. */
  delete(id: string, options: CallOptions = {}): Promise<Environment> {
    return this.http.request({ method: 'DELETE', path: environmentPath(id), schema: environmentSchema, signal: options.signal });
  }

  /** `GET …/logs?offset=N`: provider.log from byte `offset` on. */
  logs(id: string, options: LogsOptions = {}): Promise<LogChunk> {
    const offset = options.offset ?? 0;
    return this.http.request({ method: 'GET', path: `${environmentPath(id)}/logs?offset=${offset}`, schema: logChunkSchema, signal: options.signal });
  }

  /**
   * Polls `get` until the environment reaches `target` (a state, states, or a predicate) and
   * resolves with that record. Rejects with the environment's `lastError` (its code, e.g.
   * `provider-error`) if it lands in `error` while waiting for something else, and with
   * `timeout` after `timeoutMs` (default 120 000 ms; polls every `intervalMs`, default 500 ms).
   */
  waitFor(idOrName: string, target: WaitTarget, options: WaitOptions = {}): Promise<Environment> {
    return waitForEnvironment(idOrName, (signal) => this.get(idOrName, { signal }), target, options);
  }

  /** Polls until the environment is gone (GET answers `environment-not-found`). Rejects like {@link waitFor}. */
  waitForDeleted(idOrName: string, options: WaitOptions = {}): Promise<void> {
    return waitForEnvironmentDeleted(idOrName, (signal) => this.get(idOrName, { signal }), options);
  }

  private verb(id: string, verb: 'start' | 'stop' | 'restart', options: CallOptions): Promise<Environment> {
    return this.http.request({ method: 'POST', path: `${environmentPath(id)}/${verb}`, schema: environmentSchema, signal: options.signal });
  }
}

function environmentPath(idOrName: string): string {
  return `/v1/environments/${encodeURIComponent(idOrName)}`;
}
