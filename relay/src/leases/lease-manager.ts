import { CodeboltError, type Envelope, type LeaseStopReason, type LeaseWarningEvent, envelope } from '@codebolt/protocol';
import type { leaseExtendRequestSchema } from '@codebolt/protocol';
import type { z } from 'zod';
import type { AuditEvent } from '../audit/audit-log.js';
import { ROLE_RANK, principalRank } from '../auth/authorization.js';
import type { Principal } from '../auth/tokens.js';
import type { Logger } from '../logger.js';
import type { EnvironmentLease, EnvironmentRecord } from '../store/record.js';

/** What the lease manager needs from the lifecycle (the EnvironmentService). */
export interface LeasedEnvironments {
  on(event: 'changed' | 'deleted', listener: (record: EnvironmentRecord) => void): unknown;
  off(event: 'changed' | 'deleted', listener: (record: EnvironmentRecord) => void): unknown;
  patch(id: string, change: (record: EnvironmentRecord) => void): Promise<EnvironmentRecord | undefined>;
  stop(principal: Principal, id: string): Promise<EnvironmentRecord>;
}

export interface LeaseManagerDeps {
  environments: LeasedEnvironments;
  /** Current records (the store). */
  records(): EnvironmentRecord[];
  record(id: string): EnvironmentRecord | undefined;
  /** Sends a relay event to the environment's connected apps. */
  publish(environmentId: string, message: Envelope): void;
  audit(event: AuditEvent): void;
  logger: Logger;
}

export interface LeaseManagerSettings {
  /** How long before a stop connected apps get `lease-warning`, ms. */
  warningLeadMs: number;
  /** Open app connections hold the idle clock (otherwise only their traffic counts). */
  appConnectionsKeepAlive: boolean;
  /** Lease bookkeeping is written to the record at most this often, ms. */
  persistIntervalMs: number;
}

interface LeaseState {
  generation: number;
  idleTimeoutMs: number | null;
  startedAtMs: number;
  lifetimeDeadlineMs: number | null;
  lastActivityMs: number;
  /** An app's extension: no idle stop before this. */
  holdUntilMs: number;
  wasRunning: boolean;
  running: Set<string>;
  warnedDeadlineMs: number | null;
  timer: NodeJS.Timeout | undefined;
  expiring: boolean;
}

interface Deadline {
  expiresAtMs: number | null;
  reason: LeaseStopReason;
  idleDeadlineMs: number | null;
  keptAliveBy: string[];
}

/** The principal the relay acts as when a lease stops an environment (audited as `relay:lease`). */
const LEASE_PRINCIPAL = { subject: 'relay:lease', role: 'admin', operator: true } as const;
/** setTimeout cannot wait longer than 2^31-1 ms; far deadlines are re-checked daily. */
const MAX_TIMER_MS = 24 * 3600 * 1000;
const ACTIVE_STATES = new Set(['creating', 'starting', 'running']);

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const parseTime = (value: string | null | undefined): number | null => {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) ? ms : null;
};

/**
 * Leases: stops environments that idle too long or outlive their maximum lifetime.
 *
 * - The lifetime counts from each start (a new runtime generation); an admin's `lease.extend`
 *   can push it later. The idle clock restarts on every activity: an app connecting or
 *   disconnecting, an app request (`exec`, `fs.*`, `message`, …), `lease.extend` (app-declared
 *   activity), the environment becoming running, and a held source ending. While a source holds
 *   it — a running process (seen from the app's `exec` and the runtime's `process-output` /
 *   `process-exit`), or an open app connection when `appConnectionsKeepAlive` — it does not run.
 * - `lease-warning { reason, expiresAt, remainingMs }` goes to connected apps `warningLeadMs`
 *   before the stop; when the deadline passes the environment is stopped (stop keeps the
 *   resource), `stopReason` is recorded and an audit entry `lease.stop` is written.
 * - The record's `lease` shows the budgets, the deadlines, and what keeps it alive (written at
 *   most every `persistIntervalMs`); a restarted relay resumes the deadlines from it.
 */
export class LeaseManager {
  readonly #states = new Map<string, LeaseState>();
  readonly #connections = new Map<string, number>();
  readonly #persistTimers = new Map<string, NodeJS.Timeout>();
  #closed = false;
  readonly #onChanged = (record: EnvironmentRecord) => this.#changed(record);
  readonly #onDeleted = (record: EnvironmentRecord) => this.#drop(record.id);

  constructor(
    private readonly deps: LeaseManagerDeps,
    private readonly settings: LeaseManagerSettings,
  ) {}

  /** Resumes the leases of the stored records (call on boot, before reconciling) and starts listening. */
  start(): void {
    const now = Date.now();
    for (const record of this.deps.records()) {
      if (!this.#isActive(record) || !record.lease.startedAt) continue;
      const startedAtMs = parseTime(record.lease.startedAt) ?? now;
      const state = this.#newState(record, startedAtMs);
      state.lifetimeDeadlineMs = parseTime(record.lease.lifetimeExpiresAt) ?? state.lifetimeDeadlineMs;
      state.lastActivityMs = parseTime(record.lease.lastActivityAt) ?? now;
      state.wasRunning = record.state === 'running';
      this.#states.set(record.id, state);
      this.#schedule(record.id);
    }
    this.deps.environments.on('changed', this.#onChanged);
    this.deps.environments.on('deleted', this.#onDeleted);
  }

  /** Stops every timer (relay shutdown); the records keep the deadlines for the next start. */
  close(): void {
    this.#closed = true;
    this.deps.environments.off('changed', this.#onChanged);
    this.deps.environments.off('deleted', this.#onDeleted);
    for (const state of this.#states.values()) clearTimeout(state.timer);
    for (const timer of this.#persistTimers.values()) clearTimeout(timer);
    this.#persistTimers.clear();
  }

  // ---- activity sources ------------------------------------------------------------------------

  appConnected(environmentId: string): void {
    this.#connections.set(environmentId, (this.#connections.get(environmentId) ?? 0) + 1);
    this.#touch(environmentId, true);
  }

  appDisconnected(environmentId: string): void {
    const count = (this.#connections.get(environmentId) ?? 1) - 1;
    if (count <= 0) this.#connections.delete(environmentId);
    else this.#connections.set(environmentId, count);
    this.#touch(environmentId, true);
  }

  /** An app request went to the runtime (`requestId` as forwarded, `<session>:<id>`). */
  appRequest(environmentId: string, type: string, requestId: string | undefined): void {
    const state = this.#states.get(environmentId);
    const holdChanged = !!state && type === 'exec' && requestId !== undefined && !state.running.has(requestId);
    if (holdChanged) state.running.add(requestId!);
    this.#touch(environmentId, holdChanged);
  }

  /** A frame from the runtime: process-output proves a process runs, process-exit (or a failed exec) ends it. */
  runtimeFrame(environmentId: string, message: Envelope): void {
    const state = this.#states.get(environmentId);
    if (!state || message.re === undefined) return;
    if (message.type === 'process-output' && !state.running.has(message.re)) {
      state.running.add(message.re);
      this.#touch(environmentId, true);
    } else if ((message.type === 'process-exit' || (message.type === 'exec' && message.error)) && state.running.delete(message.re)) {
      this.#touch(environmentId, true);
    }
  }

  /**
   * `lease.extend` from an app: activity now, and with `durationMs` no idle stop before
   * now + durationMs (capped at the lifetime deadline unless the principal is an admin or
   * operator, whose extension also moves the lifetime deadline). Returns the lease after it.
   * Throws `invalid-state` when the environment is not running or starting.
   */
  extend(principal: Principal, environmentId: string, request: z.output<typeof leaseExtendRequestSchema>): { lease: EnvironmentLease } {
    const state = this.#states.get(environmentId);
    if (!state || state.expiring) {
      throw new CodeboltError('invalid-state', `environment ${environmentId} is not running, so it has no lease to extend; start it with \`codebolt env start ${environmentId}\``);
    }
    const now = Date.now();
    state.lastActivityMs = now;
    if (request.durationMs !== undefined) {
      const until = now + request.durationMs;
      if (principalRank(principal) >= ROLE_RANK.admin && state.lifetimeDeadlineMs !== null) state.lifetimeDeadlineMs = Math.max(state.lifetimeDeadlineMs, until);
      state.holdUntilMs = Math.max(state.holdUntilMs, state.lifetimeDeadlineMs === null ? until : Math.min(until, state.lifetimeDeadlineMs));
    }
    this.#schedule(environmentId);
    this.#persist(environmentId, true);
    return { lease: this.#snapshot(environmentId, state) };
  }

  // ---- state -----------------------------------------------------------------------------------

  #isActive(record: EnvironmentRecord): boolean {
    return record.desiredState === 'running' && ACTIVE_STATES.has(record.state);
  }

  #newState(record: EnvironmentRecord, startedAtMs: number): LeaseState {
    return {
      generation: record.runtime.generation,
      idleTimeoutMs: record.lease.idleTimeoutMs,
      startedAtMs,
      lifetimeDeadlineMs: record.lease.maxLifetimeMs === null ? null : startedAtMs + record.lease.maxLifetimeMs,
      lastActivityMs: startedAtMs,
      holdUntilMs: 0,
      wasRunning: false,
      running: new Set(),
      warnedDeadlineMs: null,
      timer: undefined,
      expiring: false,
    };
  }

  #changed(record: EnvironmentRecord): void {
    if (this.#closed) return;
    const state = this.#states.get(record.id);
    if (!this.#isActive(record)) {
      if (state) this.#drop(record.id, true);
      return;
    }
    if (!state || state.generation !== record.runtime.generation) {
      // A new start: a new lease; the previous stop reason no longer applies.
      if (state) clearTimeout(state.timer);
      this.#states.set(record.id, this.#newState(record, Date.now()));
      if (record.stopReason) void this.#patch(record.id, (r) => (r.stopReason = null));
      this.#schedule(record.id);
      this.#persist(record.id, true);
      return;
    }
    if (record.state === 'running' && !state.wasRunning) {
      state.wasRunning = true;
      this.#touch(record.id, true);
    }
  }

  #drop(environmentId: string, persistCleared = false): void {
    const state = this.#states.get(environmentId);
    if (state) clearTimeout(state.timer);
    this.#states.delete(environmentId);
    clearTimeout(this.#persistTimers.get(environmentId));
    this.#persistTimers.delete(environmentId);
    if (!persistCleared) return;
    void this.#patch(environmentId, (record) => {
      record.lease = { ...record.lease, expiresAt: null, idleExpiresAt: null, keptAliveBy: [], activity: { appConnections: this.#connections.get(environmentId) ?? 0, runningProcesses: 0 } };
    });
  }

  #touch(environmentId: string, holdsChanged: boolean): void {
    const state = this.#states.get(environmentId);
    if (!state || state.expiring) return;
    state.lastActivityMs = Date.now();
    this.#schedule(environmentId);
    this.#persist(environmentId, holdsChanged);
  }

  #deadline(environmentId: string, state: LeaseState, now: number): Deadline {
    const keptAliveBy: string[] = [];
    if (!state.wasRunning) keptAliveBy.push('starting');
    if (state.running.size > 0) keptAliveBy.push('running-processes');
    if (this.settings.appConnectionsKeepAlive && (this.#connections.get(environmentId) ?? 0) > 0) keptAliveBy.push('app-connections');
    const held = keptAliveBy.length > 0;
    if (state.holdUntilMs > now) keptAliveBy.push('app-extension');
    const idleDeadlineMs = state.idleTimeoutMs === null || held ? null : Math.max(state.lastActivityMs + state.idleTimeoutMs, state.holdUntilMs);
    const lifetime = state.lifetimeDeadlineMs;
    if (idleDeadlineMs !== null && (lifetime === null || idleDeadlineMs < lifetime)) return { expiresAtMs: idleDeadlineMs, reason: 'idle-timeout', idleDeadlineMs, keptAliveBy };
    return { expiresAtMs: lifetime, reason: 'max-lifetime', idleDeadlineMs, keptAliveBy };
  }

  #snapshot(environmentId: string, state: LeaseState): EnvironmentLease {
    const record = this.deps.record(environmentId);
    const deadline = this.#deadline(environmentId, state, Date.now());
    return {
      idleTimeoutMs: state.idleTimeoutMs,
      maxLifetimeMs: record?.lease.maxLifetimeMs ?? null,
      expiresAt: iso(deadline.expiresAtMs),
      startedAt: iso(state.startedAtMs),
      lifetimeExpiresAt: iso(state.lifetimeDeadlineMs),
      idleExpiresAt: iso(deadline.idleDeadlineMs),
      lastActivityAt: iso(state.lastActivityMs),
      keptAliveBy: deadline.keptAliveBy,
      activity: { appConnections: this.#connections.get(environmentId) ?? 0, runningProcesses: state.running.size },
    };
  }

  // ---- timers ----------------------------------------------------------------------------------

  #schedule(environmentId: string): void {
    const state = this.#states.get(environmentId);
    if (!state || this.#closed) return;
    clearTimeout(state.timer);
    state.timer = undefined;
    const now = Date.now();
    const deadline = this.#deadline(environmentId, state, now);
    if (deadline.expiresAtMs === null) return;
    if (now >= deadline.expiresAtMs) {
      void this.#expire(environmentId, deadline.reason);
      return;
    }
    const warnAtMs = deadline.expiresAtMs - this.settings.warningLeadMs;
    let wakeAtMs = deadline.expiresAtMs;
    if (now >= warnAtMs) {
      if (state.warnedDeadlineMs !== deadline.expiresAtMs) {
        state.warnedDeadlineMs = deadline.expiresAtMs;
        const warning: LeaseWarningEvent = { reason: deadline.reason, expiresAt: iso(deadline.expiresAtMs)!, remainingMs: deadline.expiresAtMs - now };
        this.deps.publish(environmentId, envelope('lease-warning', { env: environmentId, data: warning }));
      }
    } else {
      wakeAtMs = warnAtMs;
    }
    state.timer = setTimeout(() => this.#schedule(environmentId), Math.min(MAX_TIMER_MS, Math.max(0, wakeAtMs - now)));
    state.timer.unref();
  }

  async #expire(environmentId: string, reason: LeaseStopReason): Promise<void> {
    const state = this.#states.get(environmentId);
    const record = this.deps.record(environmentId);
    if (!state || !record || state.expiring) return;
    state.expiring = true;
    const message =
      reason === 'idle-timeout'
        ? `stopped by the relay after ${state.idleTimeoutMs} ms without activity (idle timeout); start it again with \`codebolt env start ${environmentId}\``
        : `stopped by the relay: it reached its maximum lifetime (${record.lease.maxLifetimeMs} ms from its start); start it again with \`codebolt env start ${environmentId}\``;
    this.deps.logger.info('lease ended; stopping the environment', { environmentId, reason });
    this.deps.audit({ action: 'lease.stop', actor: { subject: LEASE_PRINCIPAL.subject, operator: true }, outcome: 'success', target: { id: environmentId, reason } });
    await this.#patch(environmentId, (r) => (r.stopReason = { reason, message, at: new Date().toISOString() }));
    try {
      await this.deps.environments.stop({ ...LEASE_PRINCIPAL, tenant: record.tenant }, environmentId);
    } catch (error) {
      const failure = CodeboltError.from(error);
      this.deps.logger.warn('could not stop an environment whose lease ended', { environmentId, code: failure.code, message: failure.message });
      state.expiring = false;
    }
  }

  #persist(environmentId: string, soon: boolean): void {
    const pending = this.#persistTimers.get(environmentId);
    if (this.#closed || (pending && !soon)) return;
    clearTimeout(pending);
    const timer = setTimeout(() => {
      this.#persistTimers.delete(environmentId);
      const state = this.#states.get(environmentId);
      if (!state || state.expiring) return;
      const lease = this.#snapshot(environmentId, state);
      if (JSON.stringify(this.deps.record(environmentId)?.lease) === JSON.stringify(lease)) return;
      void this.#patch(environmentId, (record) => {
        if (this.#states.get(environmentId) === state) record.lease = lease;
      });
    }, soon ? 0 : this.settings.persistIntervalMs);
    timer.unref();
    this.#persistTimers.set(environmentId, timer);
  }

  async #patch(environmentId: string, change: (record: EnvironmentRecord) => void): Promise<void> {
    try {
      await this.deps.environments.patch(environmentId, change);
    } catch (error) {
      const failure = CodeboltError.from(error);
      if (failure.code !== 'environment-not-found') this.deps.logger.warn('could not record the lease', { environmentId, code: failure.code, message: failure.message });
    }
  }
}
