/** First reconnect delay ceiling, in milliseconds. */
export const RECONNECT_BASE_DELAY_MS = 100;
/** Largest reconnect delay ceiling, in milliseconds. */
export const RECONNECT_MAX_DELAY_MS = 5_000;

/**
 * Full-jitter exponential backoff: a uniformly random delay in
 * `[0, min(maxDelayMs, baseDelayMs · 2^attempt))`, in milliseconds. `attempt` counts from 0.
 */
export function fullJitterDelayMs(
  attempt: number,
  baseDelayMs = RECONNECT_BASE_DELAY_MS,
  maxDelayMs = RECONNECT_MAX_DELAY_MS,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
