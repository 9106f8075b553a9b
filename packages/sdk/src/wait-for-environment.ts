import { CodeboltError, type Environment, type EnvironmentState } from '@codebolt/protocol';
import { deadline, delay } from './abort.js';

/** A state, a list of states, or a test on the whole record. */
export type WaitTarget = EnvironmentState | readonly EnvironmentState[] | ((environment: Environment) => boolean);

export interface WaitOptions {
  /** Give up after this many milliseconds with CodeboltError('timeout'). Default 120 000. */
  timeoutMs?: number;
  /** Pause between two polls, in milliseconds. Default 500. */
  intervalMs?: number;
  signal?: AbortSignal;
  /** Called with every record observed while waiting (for progress output). */
  onProgress?: (environment: Environment) => void;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 120_000;
export const DEFAULT_WAIT_INTERVAL_MS = 500;

/** Fetches the current record; rejects with CodeboltError (e.g. `environment-not-found`). */
export type GetEnvironment = (signal: AbortSignal) => Promise<Environment>;

/**
 * Polls until the record matches `target`. Rejects with the environment's `lastError` (as a
 * CodeboltError with its code) if it lands in `error` without `error` being the target; with
 * `timeout` past `timeoutMs`; with `signal.reason` when aborted; and with whatever `get` throws.
 */
export async function waitForEnvironment(idOrName: string, get: GetEnvironment, target: WaitTarget, options: WaitOptions = {}): Promise<Environment> {
  const matches = targetMatcher(target);
  return poll(idOrName, options, async (signal) => {
    const environment = await get(signal);
    options.onProgress?.(environment);
    if (matches(environment)) return { done: true, value: environment };
    if (environment.state === 'error') throw environmentError(environment);
    return { done: false, state: environment.state };
  });
}

/**
 * Polls until the environment no longer exists (`environment-not-found` / `not-found`). Rejects
 * like {@link waitForEnvironment} when it lands in `error` instead.
 */
export async function waitForEnvironmentDeleted(idOrName: string, get: GetEnvironment, options: WaitOptions = {}): Promise<void> {
  await poll(idOrName, options, async (signal) => {
    let environment: Environment;
    try {
      environment = await get(signal);
    } catch (error) {
      if (error instanceof CodeboltError && (error.code === 'environment-not-found' || error.code === 'not-found')) return { done: true, value: undefined };
      throw error;
    }
    options.onProgress?.(environment);
    if (environment.state === 'error') throw environmentError(environment);
    return { done: false, state: environment.state };
  });
}

/** The error an environment in state `error` carries, as a CodeboltError with its code. */
export function environmentError(environment: Environment): CodeboltError {
  const label = `environment ${environment.name} (${environment.id})`;
  if (!environment.lastError) {
    return new CodeboltError('internal', `${label} is in state error without a recorded cause; see \`codebolt env logs ${environment.id}\``);
  }
  return new CodeboltError(environment.lastError.code, `${label} failed: ${environment.lastError.message}`);
}

type PollStep<T> = { done: true; value: T } | { done: false; state: string };

async function poll<T>(idOrName: string, options: WaitOptions, step: (signal: AbortSignal) => Promise<PollStep<T>>): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_WAIT_INTERVAL_MS;
  const limit = deadline(timeoutMs, options.signal);
  let lastState = 'unknown';
  try {
    for (;;) {
      const result = await step(limit.signal);
      if (result.done) return result.value;
      lastState = result.state;
      await delay(intervalMs, limit.signal);
    }
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (limit.expired) {
      throw new CodeboltError('timeout', `environment ${idOrName} did not get there within ${timeoutMs} ms (last state: ${lastState}); wait longer, or see \`codebolt env logs ${idOrName}\``, { cause: error });
    }
    throw error;
  } finally {
    limit.dispose();
  }
}

function targetMatcher(target: WaitTarget): (environment: Environment) => boolean {
  if (typeof target === 'function') return target;
  const states: readonly EnvironmentState[] = typeof target === 'string' ? [target] : target;
  return (environment) => states.includes(environment.state);
}
