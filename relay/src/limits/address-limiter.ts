import { CodeboltError } from '@codebolt/protocol';

export interface AddressLimits {
  /** Failed authentications per address within `failedAuthWindowMs` before it is refused (429). */
  maxFailedAuthPerAddress: number;
  failedAuthWindowMs: number;
  /** Open WebSocket connections per address. */
  maxConnectionsPerAddress: number;
}

/**
 * Per-address limits: a fixed-window count of failed authentications (an address over the limit
 * is refused with `rate-limited` until its window ends, without its token even being checked),
 * and a count of open WebSocket connections. Behind a reverse proxy every client shares the
 * proxy's address; size the limits for that or terminate at the relay.
 */
export class AddressLimiter {
  readonly #failures = new Map<string, { count: number; windowEndsAt: number }>();
  readonly #connections = new Map<string, number>();

  constructor(private readonly limits: AddressLimits) {}

  /** Throws CodeboltError `rate-limited` when the address failed authentication too often lately. */
  checkNotBlocked(address: string | undefined): void {
    const entry = this.#failures.get(address ?? '');
    if (!entry) return;
    if (Date.now() >= entry.windowEndsAt) {
      this.#failures.delete(address ?? '');
      return;
    }
    if (entry.count >= this.limits.maxFailedAuthPerAddress) {
      throw new CodeboltError('rate-limited', `too many failed authentications from this address; retry in ${Math.ceil((entry.windowEndsAt - Date.now()) / 1000)} s with a valid token`);
    }
  }

  recordFailedAuth(address: string | undefined): void {
    const key = address ?? '';
    const now = Date.now();
    const entry = this.#failures.get(key);
    if (!entry || now >= entry.windowEndsAt) this.#failures.set(key, { count: 1, windowEndsAt: now + this.limits.failedAuthWindowMs });
    else entry.count++;
    if (this.#failures.size > 100_000) this.#sweep(now);
  }

  /** Counts one more open connection of the address; throws `rate-limited` past the limit. Returns its release. */
  openConnection(address: string | undefined): () => void {
    const key = address ?? '';
    const open = this.#connections.get(key) ?? 0;
    if (open >= this.limits.maxConnectionsPerAddress) throw new CodeboltError('rate-limited', `this address already holds ${open} connections, the most the relay allows; close some first`);
    this.#connections.set(key, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#connections.get(key) ?? 1) - 1;
      if (left <= 0) this.#connections.delete(key);
      else this.#connections.set(key, left);
    };
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#failures) if (now >= entry.windowEndsAt) this.#failures.delete(key);
  }
}
