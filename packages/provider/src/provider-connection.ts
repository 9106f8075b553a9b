import { randomUUID } from 'node:crypto';
import { CodeboltError, encodeEnvelope, envelope, errorEnvelope, parseEnvelope, type Envelope } from '@codebolt/protocol';
import WebSocket from 'ws';
import type { BaseProvider, ProviderEvent } from './base-provider.js';
import type { EventOutbox } from './event-outbox.js';
import { answerRequest } from './request-dispatch.js';

/** Largest frame accepted from the relay, in bytes (16 MiB). */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** How long the WebSocket upgrade may take, in milliseconds. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** How long the relay may take to answer `providerHello`, in milliseconds. */
const HELLO_TIMEOUT_MS = 10_000;
/** How long a graceful close may take before the socket is cut, in milliseconds. */
const CLOSE_TIMEOUT_MS = 1_000;

export interface ProviderConnectionOptions<Config> {
  url: string;
  token: string;
  provider: BaseProvider<Config>;
  heartbeatIntervalMs: number;
  outbox: EventOutbox;
  /** Aborting it closes the connection gracefully. */
  signal: AbortSignal;
}

/** How one connection ended. `ready`: the relay answered `providerHello`. */
export interface ConnectionOutcome {
  ready: boolean;
  /** Why it ended, for the provider's log (never holds the token). */
  reason: string;
}

/**
 * One connection to the relay's `/v1/provider` endpoint: sends `providerHello`, serves relay
 * requests until the socket closes, sends heartbeats and the provider's queued events while
 * ready. Resolves when the connection closes; rejects with a final `CodeboltError` when retrying
 * cannot help (HTTP 401 or 403 on the upgrade: `unauthorized` / `forbidden`; `providerHello` refused).
 */
export function runProviderConnection<Config>(options: ProviderConnectionOptions<Config>): Promise<ConnectionOutcome> {
  const { provider, outbox, signal } = options;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(options.url, {
      headers: { Authorization: `Bearer ${options.token}` },
      maxPayload: MAX_PAYLOAD_BYTES,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    });
    const requests = new AbortController();
    const helloId = `hello-${randomUUID()}`;
    let ready = false;
    let reason = 'connection closed';
    let fatal: CodeboltError | undefined;
    let helloTimer: NodeJS.Timeout | undefined;
    let heartbeatTimer: NodeJS.Timeout | undefined;
    let closeTimer: NodeJS.Timeout | undefined;

    socket.on('error', (error) => {
      reason = error.message;
    });

    socket.on('unexpected-response', (_request, response) => {
      response.resume();
      reason = `the relay answered the upgrade with HTTP ${response.statusCode}`;
      if (response.statusCode === 401 || response.statusCode === 403) {
        fatal = new CodeboltError(
          response.statusCode === 401 ? 'unauthorized' : 'forbidden',
          `the relay rejected the provider token (HTTP ${response.statusCode}); providers must be started by the relay, which passes a fresh ` +
            'CODEBOLT_PROVIDER_TOKEN to each process',
        );
      }
      socket.terminate();
    });

    const send = (message: Envelope): void => {
      if (socket.readyState === WebSocket.OPEN) socket.send(encodeEnvelope(message));
    };

    const closeGracefully = (): void => {
      if (socket.readyState === WebSocket.CLOSED) return;
      socket.close(1000, 'provider stopping');
      closeTimer = setTimeout(() => socket.terminate(), CLOSE_TIMEOUT_MS);
    };

    const onReady = (): void => {
      ready = true;
      outbox.attach((event: ProviderEvent) => send(envelope(event.type, { data: event.data })));
      heartbeatTimer = setInterval(() => send(envelope('heartbeat', { data: {} })), options.heartbeatIntervalMs);
    };

    const onHelloAnswer = (answer: Envelope): void => {
      clearTimeout(helloTimer);
      if (answer.error === undefined) {
        onReady();
        return;
      }
      reason = `the relay refused providerHello: ${answer.error.code}: ${answer.error.message}`;
      if (answer.error.code !== 'shutting-down') {
        fatal = new CodeboltError(answer.error.code, `the relay refused providerHello: ${answer.error.message}`);
      }
      closeGracefully();
    };

    const serve = (request: Envelope & { id: string }): void => {
      void answerRequest(provider, request, requests.signal).then((answer) => {
        if (!requests.signal.aborted) send(answer);
      });
    };

    socket.on('message', (raw: WebSocket.RawData) => {
      let message: Envelope;
      try {
        message = parseEnvelope(Array.isArray(raw) ? Buffer.concat(raw) : raw);
      } catch (error) {
        const body = error instanceof CodeboltError ? error.toBody() : { code: 'bad-request' as const, message: 'unreadable frame' };
        const salvaged = salvageRequestFields(raw);
        send(errorEnvelope(salvaged.type ?? 'error', body, salvaged.id));
        return;
      }
      if (message.re !== undefined) {
        if (message.re === helloId) onHelloAnswer(message);
        return;
      }
      if (message.id === undefined) return;
      serve({ ...message, id: message.id });
    });

    socket.on('open', () => {
      send(envelope('providerHello', { id: helloId, data: { provider: provider.name, version: provider.version, pid: process.pid } }));
      helloTimer = setTimeout(() => {
        reason = `the relay did not answer providerHello within ${HELLO_TIMEOUT_MS} ms`;
        socket.terminate();
      }, HELLO_TIMEOUT_MS);
    });

    socket.on('close', (code, closeReason) => {
      clearTimeout(helloTimer);
      clearInterval(heartbeatTimer);
      clearTimeout(closeTimer);
      signal.removeEventListener('abort', closeGracefully);
      outbox.detach();
      requests.abort(new CodeboltError('provider-unavailable', 'the relay connection closed'));
      if (ready) reason = `connection closed (code ${code}${closeReason.length > 0 ? `, ${closeReason.toString()}` : ''})`;
      if (fatal) reject(fatal);
      else resolve({ ready, reason });
    });

    if (signal.aborted) closeGracefully();
    else signal.addEventListener('abort', closeGracefully, { once: true });
  });
}

/** Best effort: the `type` and `id` of a frame that failed to parse, so the error can answer it. */
function salvageRequestFields(raw: WebSocket.RawData): { type?: string; id?: string } {
  try {
    const text = Array.isArray(raw) ? Buffer.concat(raw).toString('utf8') : Buffer.from(raw as ArrayBuffer).toString('utf8');
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return {};
    const { type, id } = value as { type?: unknown; id?: unknown };
    return {
      ...(typeof type === 'string' && type.length > 0 && type.length <= 64 ? { type } : {}),
      ...(typeof id === 'string' && id.length > 0 && id.length <= 200 ? { id } : {}),
    };
  } catch {
    return {};
  }
}
