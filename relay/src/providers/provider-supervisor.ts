import { CodeboltError } from '@codebolt/protocol';
import type { Logger } from '../logger.js';
import type { ProviderProcessManager } from './provider-process-manager.js';
import type { ProviderDefinition } from './provider-registry.js';
import { restartDelayMs } from './provider-restart-policy.js';

/** What the supervisor needs to know about environments (the EnvironmentService answers). */
export interface SupervisedEnvironments {
  /** True when the environment is running and should keep a live provider process. */
  needsProvider(environmentId: string): boolean;
  /** The provider cannot be brought back (circuit open, or it never registers): the environment goes to `error`. */
  failEnvironment(environmentId: string, error: CodeboltError): void;
}

/**
 * Restarts crashed provider processes of running environments (the model: an Erlang/OTP
 * one-for-one supervisor). On `crashed` from the ProviderProcessManager it waits the restart
 * policy's backoff (1 s doubling to 60 s, ±20 % by default) and acquires a new process; when the
 * circuit is open (more than 5 crashes in 60 s) or the new process cannot be brought up, the
 * environment goes to `error` with that error (`provider-crash-loop` carries the provider's last
 * output). The environment's resource and runtime are left as they are.
 */
export class ProviderSupervisor {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #closed = false;
  readonly #onCrash = (environmentId: string, definition: ProviderDefinition, crashes: number) => this.#crashed(environmentId, definition, crashes);

  constructor(
    private readonly processes: ProviderProcessManager,
    private readonly environments: SupervisedEnvironments,
    private readonly logger: Logger,
  ) {
    processes.on('crashed', this.#onCrash);
  }

  /** Restarts scheduled and not yet begun. */
  get pendingRestarts(): number {
    return this.#timers.size;
  }

  /** Cancels pending restarts and stops listening (relay shutdown). */
  close(): void {
    this.#closed = true;
    this.processes.off('crashed', this.#onCrash);
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #crashed(environmentId: string, definition: ProviderDefinition, crashes: number): void {
    if (this.#closed || !this.environments.needsProvider(environmentId)) return;
    clearTimeout(this.#timers.get(environmentId));
    if (crashes > this.processes.restartPolicy.maxCrashes) {
      void this.processes.crashLoopError(environmentId).then((error) => this.environments.failEnvironment(environmentId, error));
      return;
    }
    const waitMs = restartDelayMs(crashes, this.processes.restartPolicy);
    this.logger.info('restarting a crashed provider process', { environmentId, provider: definition.name, crashes, waitMs });
    const timer = setTimeout(() => {
      this.#timers.delete(environmentId);
      void this.#restart(environmentId, definition);
    }, waitMs);
    this.#timers.set(environmentId, timer);
  }

  async #restart(environmentId: string, definition: ProviderDefinition): Promise<void> {
    if (this.#closed || !this.environments.needsProvider(environmentId)) return;
    try {
      await this.processes.acquire(environmentId, definition);
      this.logger.info('provider process restarted', { environmentId, provider: definition.name });
    } catch (error) {
      if (this.#closed || !this.environments.needsProvider(environmentId)) return;
      this.environments.failEnvironment(environmentId, CodeboltError.from(error));
    }
  }
}
