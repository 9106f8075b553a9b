import type { ListedResource } from '@codebolt/protocol';
import { CodeboltError } from '@codebolt/protocol';
import type { EnvironmentService } from '../environments/environment-service.js';
import type { Logger } from '../logger.js';
import type { EnvironmentStore } from '../store/environment-store.js';

/** One resource a provider owns for this installation that no record claims. */
export interface OrphanResource extends ListedResource {
  provider: string;
  /** When this relay first saw it without a record (ISO 8601). */
  firstSeenAt: string;
  /** True once it has been an orphan for the whole grace period: the next pass destroys it. */
  reapable: boolean;
}

/** What one reconcile pass did (or, with `dryRun`, would do). */
export interface ReconcileReport {
  dryRun: boolean;
  /** Records that want to run but are not running, reattached again (never recreated). */
  retried: string[];
  /** Resources without a record. */
  orphans: OrphanResource[];
  /** Orphans destroyed by this pass (none in a dry run). */
  reaped: OrphanResource[];
  /** Records whose resource the provider no longer lists (running or stopped records with a resourceId). */
  lost: string[];
  /** Providers that could not be listed, with why; their resources are left alone this pass. */
  failures: Array<{ provider: string; code: string; message: string }>;
}

export interface ReconcilerOptions {
  /** Time between periodic passes, in ms. Default 60,000; 0 turns the loop off. */
  intervalMs: number;
  /** How long a resource must be seen without a record before it is destroyed, in ms. Default 600,000. */
  orphanGraceMs: number;
}

/**
 * The level-triggered half of the control plane (the boot reconcile is in EnvironmentService):
 * every `intervalMs` it reattaches records that want to run and do not, and lists each provider in
 * use for the resources it owns for this installation (providers only list resources labelled
 * with this installation's id, so nothing of another installation, and nothing unlabelled, is ever
 * seen). A resource no record claims is an orphan; one still unclaimed after `orphanGraceMs` is
 * destroyed. A resource a record claims but the provider no longer lists is reported as lost (the
 * record's own reattach turns it into `error` with `resource-gone`). `codebolt admin reconcile
 * --dry-run` runs a pass that only reports.
 */
export class Reconciler {
  readonly #firstSeen = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<ReconcileReport> | undefined;

  constructor(
    private readonly deps: { environments: EnvironmentService; store: EnvironmentStore; logger: Logger; onAction?: (action: string) => void },
    private readonly options: ReconcilerOptions,
  ) {}

  /** Starts the periodic loop (no-op when `intervalMs` is 0). */
  start(): void {
    if (this.options.intervalMs <= 0 || this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#running) return;
      void this.run({ dryRun: false }).catch((error: unknown) => this.deps.logger.warn('reconcile pass failed', { error }));
    }, this.options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Runs one pass now (passes never overlap: a second caller gets the running pass's report). */
  run(options: { dryRun: boolean }): Promise<ReconcileReport> {
    if (this.#running && !options.dryRun) return this.#running;
    const pass = this.#pass(options.dryRun).finally(() => {
      if (this.#running === pass) this.#running = undefined;
    });
    if (!options.dryRun) this.#running = pass;
    return pass;
  }

  async #pass(dryRun: boolean): Promise<ReconcileReport> {
    const report: ReconcileReport = { dryRun, retried: this.deps.environments.retryStalled({ dryRun }), orphans: [], reaped: [], lost: [], failures: [] };
    const records = this.deps.store.list();
    const providers = [...new Set(records.map((record) => record.provider.name))].sort();
    const now = Date.now();
    const seen = new Set<string>();
    for (const provider of providers) {
      let resources: ListedResource[];
      try {
        resources = await this.deps.environments.listProviderResources(provider);
      } catch (error) {
        const failure = CodeboltError.from(error);
        report.failures.push({ provider, code: failure.code, message: failure.message });
        continue;
      }
      const claimed = new Set(records.filter((record) => record.provider.name === provider && record.resourceId).map((record) => record.resourceId as string));
      const listed = new Set(resources.map((resource) => resource.resourceId));
      for (const record of records) {
        if (record.provider.name !== provider || !record.resourceId || record.desiredState === 'deleted') continue;
        if (!listed.has(record.resourceId) && (record.state === 'running' || record.state === 'stopped')) report.lost.push(record.id);
      }
      for (const resource of resources) {
        // A record still creating may own it before its resourceId is stored: match by environment id too.
        const owner = resource.environmentId === undefined ? undefined : this.deps.store.get(resource.environmentId);
        if (claimed.has(resource.resourceId) || (owner && owner.provider.name === provider && owner.desiredState !== 'deleted')) continue;
        const key = `${provider}\u0000${resource.resourceId}`;
        seen.add(key);
        const firstSeen = this.#firstSeen.get(key) ?? now;
        if (!dryRun) this.#firstSeen.set(key, firstSeen);
        const orphan: OrphanResource = { ...resource, provider, firstSeenAt: new Date(firstSeen).toISOString(), reapable: now - firstSeen >= this.options.orphanGraceMs };
        report.orphans.push(orphan);
        if (dryRun || !orphan.reapable) continue;
        try {
          await this.deps.environments.destroyOrphan(provider, resource);
          this.#firstSeen.delete(key);
          report.reaped.push(orphan);
          this.deps.onAction?.('reap-orphan');
          this.deps.logger.info('destroyed an orphaned resource', { provider, resourceId: resource.resourceId });
        } catch (error) {
          const failure = CodeboltError.from(error);
          report.failures.push({ provider, code: failure.code, message: `could not destroy orphan ${resource.resourceId}: ${failure.message}` });
        }
      }
    }
    if (!dryRun) for (const key of [...this.#firstSeen.keys()]) if (!seen.has(key)) this.#firstSeen.delete(key);
    return report;
  }
}
