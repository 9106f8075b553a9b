import { setTimeout as delay } from 'node:timers/promises';
import { CodeboltError } from '@codebolt/protocol';
import { fullJitterDelayMs } from './backoff.js';
import { providerEventSink, type BaseProvider } from './base-provider.js';
import { EventOutbox } from './event-outbox.js';
import { runProviderConnection } from './provider-connection.js';
import type { RunProviderOptions } from './types.js';

/** Default interval of `heartbeat` events, in milliseconds. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;
/** Default time to keep reconnecting to an unreachable relay before giving up, in milliseconds. */
export const DEFAULT_RECONNECT_TIMEOUT_MS = 30_000;
/** Events kept while the relay is unreachable; older ones are dropped. */
const OUTBOX_LIMIT = 256;
/** After stdin ends, the process exits this long after `runProvider` resolved if nothing else ended it. */
const EXIT_GRACE_MS = 1_000;

/**
 * Connects `provider` to the relay and serves it until the relay goes away for good.
 *
 * - Connects to `options.url` (default env `CODEBOLT_RELAY_URL`) with `Authorization: Bearer
 *   <token>` (default env `CODEBOLT_PROVIDER_TOKEN`, deleted from `process.env` once read), sends
 *   `providerHello` and waits for the relay's answer, then answers `providerStart`,
 *   `providerAttach`, `providerStop`, `providerList` and `providerHealth` requests and sends a
 *   `heartbeat` event every `heartbeatIntervalMs` (default 5000).
 * - A lost connection is retried with full-jitter exponential backoff (100 ms doubling to a 5 s
 *   ceiling); requests in flight on it see their `signal` abort.
 *
 * Resolves when `options.signal` aborts or stdin ends (see `exitOnStdinEnd`). Rejects with a
 * `CodeboltError`: `invalid-config` when the URL or token is missing or malformed (a main file
 * should exit with code 2), `unauthorized` (`forbidden`) when the relay answers the upgrade with
 * 401 (403) — final, no retry — `timeout` after `reconnectTimeoutMs` (default 30000) without a connection, or the
 * relay's error code when it refuses `providerHello`.
 */
export async function runProvider<Config>(provider: BaseProvider<Config>, options: RunProviderOptions = {}): Promise<void> {
  const url = parseRelayUrl(options.url ?? readRequiredEnv('CODEBOLT_RELAY_URL'));
  const token = options.token ?? readRequiredEnv('CODEBOLT_PROVIDER_TOKEN');
  if (options.token === undefined) delete process.env.CODEBOLT_PROVIDER_TOKEN;
  const heartbeatIntervalMs = positiveMs(options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS, 'heartbeatIntervalMs');
  const reconnectTimeoutMs = positiveMs(options.reconnectTimeoutMs ?? DEFAULT_RECONNECT_TIMEOUT_MS, 'reconnectTimeoutMs');
  const exitOnStdinEnd = options.exitOnStdinEnd ?? !process.stdin.isTTY;

  const stop = new AbortController();
  const stopOnSignal = (): void => stop.abort();
  options.signal?.addEventListener('abort', stopOnSignal, { once: true });
  if (options.signal?.aborted) stop.abort();
  let stdinEnded = false;
  const onStdinEnd = (): void => {
    stdinEnded = true;
    stop.abort();
  };
  if (exitOnStdinEnd) {
    process.stdin.on('end', onStdinEnd);
    process.stdin.on('error', onStdinEnd);
    process.stdin.resume();
    if (process.stdin.readableEnded) onStdinEnd();
  }

  const outbox = new EventOutbox(OUTBOX_LIMIT);
  provider[providerEventSink] = (event) => outbox.push(event);
  try {
    let attempt = 0;
    let failingSince = Date.now();
    while (!stop.signal.aborted) {
      const outcome = await runProviderConnection({ url: url.href, token, provider, heartbeatIntervalMs, outbox, signal: stop.signal });
      if (stop.signal.aborted) break;
      if (outcome.ready) {
        attempt = 0;
        failingSince = Date.now();
        process.stderr.write(`codebolt provider ${provider.name}: relay connection lost (${outcome.reason}); reconnecting\n`);
      }
      const elapsedMs = Date.now() - failingSince;
      if (elapsedMs >= reconnectTimeoutMs) {
        throw new CodeboltError(
          'timeout',
          `could not reach the relay at ${url.href} for ${reconnectTimeoutMs} ms (last: ${outcome.reason}); giving up. ` +
            'Check that the relay is running (codebolt serve) and that CODEBOLT_RELAY_URL points at its /v1/provider endpoint',
        );
      }
      await delay(Math.min(fullJitterDelayMs(attempt), reconnectTimeoutMs - elapsedMs), undefined, { signal: stop.signal }).catch(() => {});
      attempt += 1;
    }
  } finally {
    provider[providerEventSink] = undefined;
    options.signal?.removeEventListener('abort', stopOnSignal);
    if (exitOnStdinEnd) {
      process.stdin.off('end', onStdinEnd);
      process.stdin.off('error', onStdinEnd);
      process.stdin.pause();
    }
  }
  if (stdinEnded) setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
}

function readRequiredEnv(name: 'CODEBOLT_RELAY_URL' | 'CODEBOLT_PROVIDER_TOKEN'): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new CodeboltError(
      'invalid-config',
      `${name} is not set; the relay sets it when it spawns a provider. To run a provider by hand, set ` +
        'CODEBOLT_RELAY_URL (ws://host:port/v1/provider) and CODEBOLT_PROVIDER_TOKEN, or pass url and token to runProvider',
    );
  }
  return value;
}

function parseRelayUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CodeboltError('invalid-config', 'the relay URL (CODEBOLT_RELAY_URL or options.url) is not a valid URL; use ws://host:port/v1/provider');
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new CodeboltError('invalid-config', `the relay URL must start with ws:// or wss://, got ${url.protocol}//; use ws://host:port/v1/provider`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new CodeboltError('invalid-config', 'the relay URL must not carry credentials; the token travels in the Authorization header');
  }
  return url;
}

function positiveMs(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new CodeboltError('invalid-config', `${name} must be a positive number of milliseconds, got ${value}`);
  }
  return value;
}
