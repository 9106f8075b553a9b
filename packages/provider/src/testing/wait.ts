/** Default wait of the kit, in milliseconds: generous, because conformance runs on loaded CI machines. */
export const KIT_WAIT_MS = 90_000;

/** Resolves with `promise`, or rejects after `timeoutMs` with an error that says what was awaited. */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = KIT_WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A list of waiters woken on every change; each re-checks its own condition. */
export class Changes {
  private readonly waiters = new Set<() => void>();

  notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves with the first non-undefined value of `probe`, checked now and after every change. */
  until<T>(probe: () => T | undefined, what: string, timeoutMs = KIT_WAIT_MS): Promise<T> {
    let check: () => void = () => {};
    const found = new Promise<T>((resolve) => {
      check = () => {
        const value = probe();
        if (value === undefined) return;
        this.waiters.delete(check);
        resolve(value);
      };
      this.waiters.add(check);
      check();
    });
    return within(found, what, timeoutMs).finally(() => this.waiters.delete(check));
  }
}
