/** Bounds of the reconnect backoff, in milliseconds. */
export interface BackoffSettings {
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * Full-jitter exponential backoff: a uniformly random delay in
 * `[0, min(maxDelayMs, initialDelayMs * 2^attempt)]` milliseconds (attempt counts from 0).
 * Full jitter spreads a fleet of runtimes that lost the relay at the same instant.
 */
export function fullJitterDelayMs(attempt: number, settings: BackoffSettings, random: () => number = Math.random): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
