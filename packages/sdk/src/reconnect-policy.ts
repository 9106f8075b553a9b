/** How an {@link EnvironmentChannel} reconnects after its connection to the relay dropped. */
export interface ReconnectOptions {
  /** Give up (and close the channel with `relay-unreachable`) after this long without a connection, in ms. Default 300 000 (5 min). 0 disables reconnecting. */
  timeoutMs?: number;
  /** First backoff ceiling, in ms. Default 250. */
  initialDelayMs?: number;
  /** Largest backoff ceiling, in ms. Default 10 000. */
  maxDelayMs?: number;
}

export const DEFAULT_RECONNECT_OPTIONS: Required<ReconnectOptions> = { timeoutMs: 300_000, initialDelayMs: 250, maxDelayMs: 10_000 };

/**
 * Full-jitter backoff: a uniformly random delay in [0, min(maxDelayMs, initialDelayMs·2^attempt)),
 * so many clients that lost the relay at the same moment do not come back at the same moment.
 * `floorMs` (the relay's `reconnect { retryAfterMs }`) is added to the jittered delay.
 */
export function reconnectDelayMs(attempt: number, options: Required<ReconnectOptions>, floorMs = 0, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt, 30));
  return floorMs + Math.floor(random() * ceiling);
}
