import { CodeboltError, describeZodError } from '@codebolt/protocol';
import type { z } from 'zod';
import { deadline } from './abort.js';
import { currentToken, type FetchFunction, type ResolvedClientOptions } from './client-options.js';
import { errorFromResponse, unreachableRelayError } from './relay-errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRequest<S extends z.ZodType> {
  method: HttpMethod;
  /** Path below the base URL, starting with `/` (segments already encoded). */
  path: string;
  /** Schema of a successful answer's JSON body. */
  schema: S;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Send the bearer token (default true; only `/health` goes without). */
  authenticated?: boolean;
}

/**
 * The one place the SDK talks HTTP. Every failure becomes a CodeboltError: the relay's error
 * body, `runtime-unavailable` when the relay cannot be reached, `timeout` past
 * `requestTimeoutMs`, `internal` when a 2xx body does not match the schema. Aborting the
 * caller's signal rejects with `signal.reason` instead.
 */
export class HttpClient {
  constructor(private readonly options: ResolvedClientOptions) {}

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  async request<S extends z.ZodType>(request: HttpRequest<S>): Promise<z.output<S>> {
    const url = `${this.options.baseUrl}${request.path}`;
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    if (request.authenticated !== false) headers.authorization = `Bearer ${await currentToken(this.options)}`;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const fetchFunction: FetchFunction = this.options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const limit = deadline(this.options.requestTimeoutMs, request.signal);
    let status: number;
    let text: string;
    try {
      const response = await fetchFunction(url, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: limit.signal,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      if (limit.expired) {
        throw new CodeboltError('timeout', `${request.method} ${url} got no answer within ${this.options.requestTimeoutMs} ms; check that the relay is healthy, or raise requestTimeoutMs`, { cause: error });
      }
      throw unreachableRelayError(this.options.baseUrl, error);
    } finally {
      limit.dispose();
    }
    const body = parseJson(text);
    if (status < 200 || status > 299) throw errorFromResponse(status, body, url);
    const parsed = request.schema.safeParse(body);
    if (!parsed.success) {
      throw new CodeboltError('internal', `unexpected answer from ${request.method} ${url}: ${describeZodError(parsed.error)}; are the relay and the SDK the same version?`);
    }
    return parsed.data;
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
