import { CodeboltError } from '@codebolt/protocol';

/**
 * The part of the WebSocket API the SDK uses. The browser's `WebSocket`, Node 22's global one and
 * the `ws` package's class all fit.
 */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'error' | 'close', listener: (event: unknown) => void): void;
}

/** A WebSocket class: `new WebSocket(url, protocols)`. */
export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocketLike;

/** The `fetch` function the SDK calls (the global one by default). */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** Default limit for one HTTP call, in milliseconds. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface ClientOptions {
  /** The relay's base URL, `http(s)://host:port` (a path prefix is kept). Required. */
  url: string;
  /** A bearer token (tenant JWT or the admin token). Ignored when `getToken` is set. */
  token?: string;
  /** Called before every request and connection; use it for tokens that rotate. */
  getToken?: () => string | Promise<string>;
  /** `fetch` to use. Default: `globalThis.fetch`. */
  fetch?: FetchFunction;
  /**
   * WebSocket class to use. Default: `globalThis.WebSocket` when present (browsers, Node 22),
   * else the `ws` package (Node 20).
   */
  WebSocket?: WebSocketConstructor;
  /** Limit for one HTTP call in milliseconds; past it the call fails with `timeout`. Default 30 000. */
  requestTimeoutMs?: number;
}

/** Options after validation: a normalised base URL without a trailing slash. */
export interface ResolvedClientOptions extends ClientOptions {
  baseUrl: string;
  requestTimeoutMs: number;
}

/** Validates options once, at the edge. Throws CodeboltError('bad-request') naming the bad field. */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch (error) {
    throw new CodeboltError('bad-request', `invalid relay url ${JSON.stringify(options.url)}; pass url like "http://127.0.0.1:7420"`, { cause: error });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CodeboltError('bad-request', `relay url must start with http:// or https:// (got ${parsed.protocol}); pass url like "http://127.0.0.1:7420"`);
  }
  if (parsed.username || parsed.password || parsed.search) {
    throw new CodeboltError('bad-request', 'relay url must not carry credentials or a query string; pass the token with the `token` option');
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!Number.isFinite(requestTimeoutMs) || requestTimeoutMs <= 0) {
    throw new CodeboltError('bad-request', `requestTimeoutMs must be a positive number of milliseconds (got ${requestTimeoutMs})`);
  }
  const baseUrl = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
  return { ...options, baseUrl, requestTimeoutMs };
}

/**
 * Returns the bearer token for the next request. Throws CodeboltError('unauthorized') when the
 * client was created without one.
 */
export async function currentToken(options: ClientOptions): Promise<string> {
  const token = options.getToken ? await options.getToken() : options.token;
  if (!token) {
    throw new CodeboltError('unauthorized', 'no token: pass `token` or `getToken` to createClient (a local relay keeps its admin token in <data dir>/admin.token)');
  }
  return token;
}
