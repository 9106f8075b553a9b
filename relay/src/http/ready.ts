import type { ServerResponse } from 'node:http';
import { sendJson } from './respond.js';

/**
 * Readiness of one relay, served at `GET /ready` without authentication (it reveals only which
 * boot step is pending). Ready means: the environment store is loaded AND the first boot
 * reconcile has finished (every record reattached, marked lost, retried later or its interrupted
 * verb finished) AND the relay is not shutting down. Until then `/ready` answers 503, so a load
 * balancer sends no traffic to a relay that would still answer with stale states.
 * `/health` (liveness) is separate: it answers 200 as soon as the process serves HTTP.
 */
export class Readiness {
  #storeLoaded = false;
  #reconciled = false;
  #shuttingDown = false;

  markStoreLoaded(): void {
    this.#storeLoaded = true;
  }

  markReconciled(): void {
    this.#reconciled = true;
  }

  markShuttingDown(): void {
    this.#shuttingDown = true;
  }

  get ready(): boolean {
    return this.#storeLoaded && this.#reconciled && !this.#shuttingDown;
  }

  /** The `/ready` body: `status` (`ready` | `starting` | `shutting-down`) and each check's state. */
  report(): { status: 'ready' | 'starting' | 'shutting-down'; checks: { store: 'ok' | 'pending'; reconcile: 'ok' | 'pending' } } {
    return {
      status: this.#shuttingDown ? 'shutting-down' : this.ready ? 'ready' : 'starting',
      checks: { store: this.#storeLoaded ? 'ok' : 'pending', reconcile: this.#reconciled ? 'ok' : 'pending' },
    };
  }
}

/** Answers `GET /ready`: 200 when ready, else 503, with `Readiness.report()` as the body. */
export function sendReadiness(response: ServerResponse, readiness: Readiness): void {
  sendJson(response, readiness.ready ? 200 : 503, readiness.report());
}
