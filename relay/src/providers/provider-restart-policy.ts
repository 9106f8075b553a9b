/**
 * How the relay restarts a provider process that crashed (the model: Erlang/OTP supervisors with
 * an intensity limit). Delays double from `initialDelayMs` to `maxDelayMs`, each with ±`jitterRatio`
 * random jitter; more than `maxCrashes` crashes within `crashWindowMs` open the circuit: no more
 * restarts until an explicit start (or until the crashes age out of the window).
 */
export interface ProviderRestartPolicy {
  /** Delay before the first restart, ms. Default 1,000. */
  initialDelayMs: number;
  /** Ceiling of the doubling delay, ms. Default 60,000. */
  maxDelayMs: number;
  /** Random spread of each delay, as a fraction of it (0.2 = ±20 %). Default 0.2. */
  jitterRatio: number;
  /** Crashes tolerated within the window; one more opens the circuit. Default 5. */
  maxCrashes: number;
  /** The window crashes are counted in, ms. Default 60,000. */
  crashWindowMs: number;
}

export const DEFAULT_PROVIDER_RESTART_POLICY: ProviderRestartPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 60_000,
  jitterRatio: 0.2,
  maxCrashes: 5,
  crashWindowMs: 60_000,
};

/** The delay before restart number `crashes` (1 = after the first crash), jittered. */
export function restartDelayMs(crashes: number, policy: ProviderRestartPolicy, random: () => number = Math.random): number {
  const exponent = Math.max(0, crashes - 1);
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(exponent, 30));
  return Math.max(0, Math.round(base * (1 + policy.jitterRatio * (2 * random() - 1))));
}

/** Crash timestamps per environment, counted within the policy's window. */
export class CrashLedger {
  readonly #crashes = new Map<string, number[]>();

  constructor(private readonly policy: ProviderRestartPolicy) {}

  /** Records a crash now and returns how many crashes fall inside the window. */
  record(environmentId: string, now = Date.now()): number {
    const recent = this.#recent(environmentId, now);
    recent.push(now);
    this.#crashes.set(environmentId, recent);
    return recent.length;
  }

  /** Crashes inside the window. */
  count(environmentId: string, now = Date.now()): number {
    return this.#recent(environmentId, now).length;
  }

  /** True when more than `maxCrashes` crashes fall inside the window: do not restart. */
  isOpen(environmentId: string, now = Date.now()): boolean {
    return this.count(environmentId, now) > this.policy.maxCrashes;
  }

  /** Forgets the environment's crashes (an explicit start closes the circuit). */
  reset(environmentId: string): void {
    this.#crashes.delete(environmentId);
  }

  #recent(environmentId: string, now: number): number[] {
    return (this.#crashes.get(environmentId) ?? []).filter((at) => now - at < this.policy.crashWindowMs);
  }
}
