import { Sandbox, type ConnectionOpts } from 'e2b';
import { isNotFound } from './e2b-errors.js';

/** What the keep-alive needs per sandbox: how to reach E2B and the timeout to renew. */
export interface KeptSandbox {
  options: Omit<ConnectionOpts, 'signal'>;
  timeoutMs: number;
}

export interface SandboxKeepAliveHooks {
  /** E2B no longer has the sandbox (killed, timed out): it is no longer renewed. */
  onGone(resourceId: string): void;
  /** A renewal failed for another reason; the next round tries again. */
  onFailure(resourceId: string, error: unknown): void;
}

/**
 * Ties each E2B sandbox's timeout to the environment's lease: while this provider process runs
 * the environment (the relay keeps a provider process per running environment and ends it
 * when the environment stops or the relay goes away), every sandbox it created, resumed or
 * found running is renewed with `Sandbox.setTimeout(timeoutMs)` every `timeoutMs / 3` (at most
 * every `intervalMs` when given). When the renewals stop, E2B itself ends the sandbox at most
 * `timeoutMs` later, so a relay that died leaks nothing for long. The timer never keeps the
 * process alive.
 */
export class SandboxKeepAlive {
  private readonly sandboxes = new Map<string, KeptSandbox>();
  private timer: NodeJS.Timeout | undefined;
  private renewing = false;

  constructor(
    private readonly hooks: SandboxKeepAliveHooks,
    private readonly intervalMs?: number,
  ) {}

  /** Renews `resourceId` from now on (replacing its earlier settings). */
  track(resourceId: string, sandbox: KeptSandbox): void {
    this.sandboxes.set(resourceId, sandbox);
    this.schedule();
  }

  /** Stops renewing `resourceId` (paused, killed or gone). */
  untrack(resourceId: string): void {
    this.sandboxes.delete(resourceId);
    if (this.sandboxes.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** The sandboxes being renewed. */
  get tracked(): string[] {
    return [...this.sandboxes.keys()];
  }

  private schedule(): void {
    if (this.timer) clearInterval(this.timer);
    const shortest = Math.min(...[...this.sandboxes.values()].map((sandbox) => sandbox.timeoutMs));
    const every = this.intervalMs ?? Math.max(1_000, Math.floor(shortest / 3));
    this.timer = setInterval(() => void this.renew(), every);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      for (const [resourceId, sandbox] of [...this.sandboxes]) {
        try {
          await Sandbox.setTimeout(resourceId, sandbox.timeoutMs, sandbox.options);
        } catch (error) {
          if (!this.sandboxes.has(resourceId)) continue;
          if (isNotFound(error)) {
            this.untrack(resourceId);
            this.hooks.onGone(resourceId);
          } else {
            this.hooks.onFailure(resourceId, error);
          }
        }
      }
    } finally {
      this.renewing = false;
    }
  }
}
