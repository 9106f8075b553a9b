import { BEARER_SUBPROTOCOL_PREFIX, CodeboltError, SUBPROTOCOL } from '@codebolt/protocol';
import { z } from 'zod';
import { type ClientOptions, currentToken, type ResolvedClientOptions, resolveClientOptions } from './client-options.js';
import { EnvironmentChannel, type HeartbeatOptions } from './environment-channel.js';
import type { ReconnectOptions } from './reconnect-policy.js';
import { type CallOptions, EnvironmentsApi } from './environments-api.js';
import { HttpClient } from './http-client.js';
import { ProvidersApi } from './providers-api.js';
import { TokensApi } from './tokens-api.js';
import { AdminApi } from './admin-api.js';
import { unreachableRelayError } from './relay-errors.js';
import { resolveWebSocketClass } from './websocket-class.js';

export interface ConnectOptions extends CallOptions {
  /** How the channel reconnects after a dropped connection (it resumes its stream losslessly). */
  reconnect?: ReconnectOptions;
  /** How the channel notices a relay that stopped answering (a black-holed connection); `false` turns it off. */
  heartbeat?: HeartbeatOptions | false;
}

const healthSchema = z.object({ status: z.literal('ok'), version: z.string() });
export type Health = z.infer<typeof healthSchema>;

/**
 * A client for one relay. Creating it does no I/O; every method does one call (or, for
 * `connect`, opens one WebSocket) and rejects with a CodeboltError carrying the wire code.
 */
export class CodeboltClient {
  readonly environments: EnvironmentsApi;
  readonly providers: ProvidersApi;
  readonly tokens: TokensApi;
  readonly admin: AdminApi;
  private readonly http: HttpClient;
  private readonly options: ResolvedClientOptions;

  constructor(options: ClientOptions) {
    this.options = resolveClientOptions(options);
    this.http = new HttpClient(this.options);
    this.environments = new EnvironmentsApi(this.http);
    this.providers = new ProvidersApi(this.http);
    this.tokens = new TokensApi(this.http);
    this.admin = new AdminApi(this.http);
  }

  /** The relay's base URL, normalised (no trailing slash). */
  get url(): string {
    return this.options.baseUrl;
  }

  /** `GET /health` (no token needed): `{ status: 'ok', version }`. */
  health(options: CallOptions = {}): Promise<Health> {
    return this.http.request({ method: 'GET', path: '/health', schema: healthSchema, signal: options.signal, authenticated: false });
  }

  /**
   * Opens the live channel to one environment (`/v1/connect?env=<id>`, token in the
   * `bearer.<token>` subprotocol) and resolves once the relay sent the environment's state.
   * Rejects with a CodeboltError: `unauthorized`, `environment-not-found`, … when the relay
   * refuses, `relay-unreachable` when it cannot be reached. Aborting `signal` before then
   * rejects with `signal.reason`; aborting it later closes the channel.
   */
  async connect(environmentId: string, options: ConnectOptions = {}): Promise<EnvironmentChannel> {
    const signal = options.signal;
    if (signal?.aborted) throw signal.reason;
    const WebSocketClass = await resolveWebSocketClass(this.options.WebSocket);
    const url = `${this.options.baseUrl.replace(/^http/, 'ws')}/v1/connect?env=${encodeURIComponent(environmentId)}`;
    const open = async () => {
      const token = await currentToken(this.options);
      try {
        return new WebSocketClass(url, [SUBPROTOCOL, `${BEARER_SUBPROTOCOL_PREFIX}${token}`]);
      } catch (error) {
        throw new CodeboltError('bad-request', `cannot open a WebSocket to ${this.options.baseUrl}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    };
    const socket = await open();
    const channel = new EnvironmentChannel(socket, environmentId, this.options.baseUrl, { reopen: open, reconnect: options.reconnect, heartbeat: options.heartbeat });
    try {
      await channel.ready(signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw await this.explainConnectFailure(environmentId, channel, error);
    }
    if (signal) {
      const onAbort = (): void => void channel.close();
      signal.addEventListener('abort', onAbort, { once: true });
      channel.on('close', () => signal.removeEventListener('abort', onAbort));
    }
    return channel;
  }

  /**
   * A WebSocket refused at the handshake tells a browser nothing, so ask the HTTP API: it names
   * the real problem (no relay, bad token, unknown environment) with the relay's own message.
   */
  private async explainConnectFailure(environmentId: string, channel: EnvironmentChannel, error: unknown): Promise<unknown> {
    if (error instanceof CodeboltError && error.code !== 'runtime-unavailable' && error.code !== 'relay-unreachable') return error;
    try {
      await this.environments.get(environmentId);
    } catch (httpError) {
      if (httpError instanceof CodeboltError && httpError.code === 'relay-unreachable' && channel.failureDetail) {
        return unreachableRelayError(this.options.baseUrl, new Error(channel.failureDetail));
      }
      if (httpError instanceof CodeboltError) return httpError;
    }
    if (error instanceof CodeboltError && channel.failureDetail) {
      return new CodeboltError(error.code, `${error.message} (${channel.failureDetail})`, { cause: error });
    }
    return error;
  }
}

/** Creates a client for the relay at `options.url`. Throws CodeboltError('bad-request') for a bad URL. */
export function createClient(options: ClientOptions): CodeboltClient {
  return new CodeboltClient(options);
}
