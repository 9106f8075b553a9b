import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CodeboltError,
  FILES_CAPABILITY,
  type CreateEnvironmentInput,
  type EnvironmentState,
  type ListedResource,
  createEnvironmentSchema,
  parseData,
  type PROVIDER_FILE_REQUEST_TYPES,
} from '@codebolt/protocol';

type ProviderFileRequestType = (typeof PROVIDER_FILE_REQUEST_TYPES)[number];
import type { Principal, TokenService } from '../auth/tokens.js';
import { canSeeTenant } from '../auth/authorization.js';
import type { RuntimeConnection, RuntimeHub } from '../broker/runtime-hub.js';
import type { Logger } from '../logger.js';
import { type ProviderConfigStore, decryptSecretFields, encryptSecretFields } from '../providers/provider-config-store.js';
import type { ProviderHandle, ProviderProcessManager } from '../providers/provider-process-manager.js';
import type { ProviderResult } from '../providers/provider-session.js';
import type { ProviderDefinition, ProviderRegistry } from '../providers/provider-registry.js';
import type { SecretCipher } from '../secrets/cipher.js';
import type { EnvironmentStore } from '../store/environment-store.js';
import type { EnvironmentRecord } from '../store/record.js';
import { SerialQueue } from './serial-queue.js';

export interface EnvironmentServiceOptions {
  dataDir: string;
  /** ws URL of /v1/runtime handed to runtimes for connecting back. */
  runtimeUrl: string;
  /** Lifetime of a runtime token; runtimes get a fresh one on every connect. Default 24 h. */
  runtimeTokenTtlSeconds: number;
  /** How long a started runtime has to connect back before the environment goes to error. */
  runtimeConnectTimeoutMs: number;
  /** How long a provider has to answer one request (create, stop, …). */
  providerRequestTimeoutMs: number;
}

export interface EnvironmentServiceDeps {
  store: EnvironmentStore;
  registry: ProviderRegistry;
  providerConfig: ProviderConfigStore;
  cipher: SecretCipher;
  tokens: TokenService;
  processes: ProviderProcessManager;
  hub: RuntimeHub;
  logger: Logger;
  /** The budgets of a new environment (see leases/lease-policy.ts); throws `bad-request` over a limit. Default: none. */
  leasePolicy?: (tenant: string, provider: string, requested: CreateEnvironmentInput['lease']) => { idleTimeoutMs: number | null; maxLifetimeMs: number | null };
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const TRANSITIONAL: EnvironmentState[] = ['creating', 'starting', 'stopping', 'deleting'];

/**
 * The environment lifecycle: verbs, the state machine, provider calls, runtime supervision and
 * reattachment on boot. Every verb on one environment runs in that environment's serial queue.
 * Emits 'changed' (record) after every persisted change and 'deleted' (record) after removal, and
 * 'reconcile-action' (action, environmentId) for each boot-reconcile decision (`reattach`,
 * `mark-lost`, `start-stopped`, `retry-later`, `resume-create`, `finish-stop`, `finish-delete`).
 */
export class EnvironmentService extends EventEmitter {
  readonly #queue = new SerialQueue();
  #shuttingDown = false;
  /** Aborted on shutdown: waits for runtimes end at once; the records stay as they are for the next boot. */
  readonly #shutdown = new AbortController();
  /** The wait for a runtime currently in progress per environment; a newer verb aborts it. */
  readonly #runtimeWaits = new Map<string, AbortController>();

  constructor(
    private readonly deps: EnvironmentServiceDeps,
    private readonly options: EnvironmentServiceOptions,
  ) {
    super();
    deps.hub.on('connected', (connection: RuntimeConnection) => void this.#onRuntimeConnected(connection).catch((error) => this.#logFailure('runtime connect', connection.environmentId, error)));
    deps.hub.on('disconnected', (environmentId: string, generation: number, reason: string) => this.#onRuntimeDisconnected(environmentId, generation, reason));
  }

  // ---- reads ---------------------------------------------------------------------------------

  list(principal: Principal): EnvironmentRecord[] {
    return this.deps.store.list().filter((record) => canSeeTenant(principal, record.tenant));
  }

  /** By id, then by name within the caller's tenant. Another tenant's environment is a 404 too. */
  get(principal: Principal, idOrName: string): EnvironmentRecord {
    const record = this.deps.store.get(idOrName) ?? this.deps.store.findByName(principal.tenant, idOrName);
    if (!record || !canSeeTenant(principal, record.tenant)) {
      throw new CodeboltError('environment-not-found', `no environment "${idOrName}"; list them with \`codebolt env list\``);
    }
    return record;
  }

  /** May a runtime holding a token for (environment, generation) connect now? */
  runtimeMayConnect(environmentId: string, generation: number): boolean {
    const record = this.deps.store.get(environmentId);
    return !!record && record.desiredState === 'running' && record.runtime.generation === generation && record.state !== 'stopping' && record.state !== 'deleting';
  }

  // ---- verbs ---------------------------------------------------------------------------------

  async create(principal: Principal, body: unknown, idempotencyKey?: string): Promise<{ record: EnvironmentRecord; replayed: boolean }> {
    const input = parseData(createEnvironmentSchema, body, 'body');
    const requestHash = createHash('sha256').update(canonicalJson(input)).digest('hex');
    if (idempotencyKey !== undefined) {
      const entry = this.deps.store.idempotencyEntry(principal.tenant, idempotencyKey);
      if (entry) {
        if (entry.requestHash !== requestHash) {
          throw new CodeboltError('conflict', 'this Idempotency-Key was already used with different parameters; use a new key for a new environment');
        }
        const existing = this.deps.store.get(entry.environmentId);
        if (existing) return { record: existing, replayed: true };
      }
    }
    const definition = this.deps.registry.get(input.provider);
    if (this.deps.store.findByName(principal.tenant, input.name)) {
      throw new CodeboltError('conflict', `an environment named "${input.name}" already exists; pick another name or delete it first`);
    }
    this.#mergedConfig(definition, input.config);
    const lease = this.deps.leasePolicy?.(principal.tenant, definition.name, input.lease) ?? { idleTimeoutMs: null, maxLifetimeMs: null };
    const id = `env_${randomBytes(10).toString('hex')}`;
    const now = new Date().toISOString();
    const record: EnvironmentRecord = {
      id,
      name: input.name,
      tenant: principal.tenant,
      owner: principal.subject,
      provider: { name: definition.name, version: definition.version },
      config: encryptSecretFields(input.config, definition.secretFields, this.deps.cipher, `env:${id}`),
      state: 'creating',
      desiredState: 'running',
      resourceId: null,
      creationToken: randomBytes(16).toString('hex'),
      ...(input.restartPolicy && input.restartPolicy !== 'never' ? { restartPolicy: input.restartPolicy } : {}),
      runtime: { connected: false, version: null, generation: 0, pid: null },
      lease: { ...lease, expiresAt: null },
      lastError: null,
      createdAt: now,
      updatedAt: now,
    };
    const stored = await this.deps.store.insert(record, idempotencyKey === undefined ? undefined : { key: idempotencyKey, requestHash });
    this.emit('changed', stored);
    this.#enqueue(id, 'create', () => this.#runStart(id));
    return { record: stored, replayed: false };
  }

  /** Supervision: is the environment running (or on its way), so that its provider process should be kept alive? */
  needsProvider(id: string): boolean {
    const record = this.deps.store.get(id);
    return !!record && !this.#shuttingDown && record.desiredState === 'running' && (record.state === 'running' || record.state === 'starting' || record.state === 'creating');
  }

  /** Supervision: the provider cannot be brought back; the environment goes to error (in its queue). */
  failEnvironment(id: string, error: CodeboltError): void {
    this.#enqueue(id, 'provider supervision', async () => {
      if (this.deps.store.get(id)?.desiredState === 'running') await this.#fail(id, error);
    });
  }

  async start(principal: Principal, idOrName: string): Promise<EnvironmentRecord> {
    const record = this.get(principal, idOrName);
    this.#refuseWhileDeleting(record, 'start');
    this.deps.processes.resetCrashes(record.id);
    if (record.desiredState === 'running' && record.state !== 'error' && record.state !== 'stopped') return record;
    const updated = await this.#update(record.id, (r) => {
      r.desiredState = 'running';
      r.state = 'starting';
    });
    this.#enqueue(record.id, 'start', () => this.#runStart(record.id));
    return updated;
  }

  async stop(principal: Principal, idOrName: string): Promise<EnvironmentRecord> {
    const record = this.get(principal, idOrName);
    this.#refuseWhileDeleting(record, 'stop');
    this.deps.processes.resetCrashes(record.id);
    if (record.desiredState === 'stopped' && record.state === 'stopped') return record;
    const updated = await this.#update(record.id, (r) => {
      r.desiredState = 'stopped';
      r.state = 'stopping';
    });
    this.#supersede(record.id);
    this.#enqueue(record.id, 'stop', () => this.#runStop(record.id));
    return updated;
  }

  async restart(principal: Principal, idOrName: string): Promise<EnvironmentRecord> {
    const record = this.get(principal, idOrName);
    this.#refuseWhileDeleting(record, 'restart');
    this.deps.processes.resetCrashes(record.id);
    const updated = await this.#update(record.id, (r) => {
      r.desiredState = 'running';
      r.state = 'stopping';
    });
    this.#supersede(record.id);
    this.#enqueue(record.id, 'restart', async () => {
      await this.#runStop(record.id, { keepDesired: true });
      await this.#update(record.id, (r) => {
        if (r.desiredState === 'running') r.state = 'starting';
      });
      await this.#runStart(record.id);
    });
    return updated;
  }

  async delete(principal: Principal, idOrName: string): Promise<EnvironmentRecord> {
    const record = this.get(principal, idOrName);
    this.deps.processes.resetCrashes(record.id); // an explicit verb is a retry: it closes the provider's circuit
    const updated = await this.#update(record.id, (r) => {
      r.desiredState = 'deleted';
      r.state = 'deleting';
    });
    this.#supersede(record.id);
    this.#enqueue(record.id, 'delete', () => this.#runDelete(record.id));
    return updated;
  }

  /**
   * Persists a change to the parts of a record the lifecycle does not own (the lease, the stop
   * reason) and emits 'changed'. Returns undefined when the environment no longer exists.
   */
  async patch(id: string, change: (record: EnvironmentRecord) => void): Promise<EnvironmentRecord | undefined> {
    if (!this.deps.store.get(id)) return undefined;
    return this.#update(id, change);
  }

  // ---- boot and shutdown ---------------------------------------------------------------------

  /**
   * Reconciles every record with its provider after a relay start: reattach running resources
   * (same resourceId, same runtime), finish interrupted verbs, never recreate on a transient error.
   */
  async reconcileOnBoot(): Promise<void> {
    for (const record of this.deps.store.list()) {
      await this.#update(record.id, (r) => {
        r.runtime.connected = false;
      });
      if (record.desiredState === 'deleted') {
        this.emit('reconcile-action', 'finish-delete', record.id);
        this.#enqueue(record.id, 'delete', () => this.#runDelete(record.id));
      } else if (record.desiredState === 'stopped' && record.state !== 'stopped') {
        this.emit('reconcile-action', 'finish-stop', record.id);
        this.#enqueue(record.id, 'stop', () => this.#runStop(record.id));
      } else if (record.desiredState === 'running' && record.state !== 'error') {
        this.#enqueue(record.id, 'reattach', () => this.#runReattach(record.id));
      }
    }
  }

  /**
   * The periodic half of the reconciler, for records: a record that wants to run but is not
   * running (a reattach that failed transiently, a runtime that never came back) and has no verb
   * queued is reattached again; never recreated. Returns the ids it (would) retry.
   */
  retryStalled(options: { dryRun: boolean }): string[] {
    const retried: string[] = [];
    for (const record of this.deps.store.list()) {
      if (record.desiredState !== 'running' || record.state === 'error' || this.#queue.busy(record.id)) continue;
      const stalled = record.state !== 'running' || (record.lastError !== null && !record.runtime.connected);
      if (!stalled) continue;
      retried.push(record.id);
      if (options.dryRun) continue;
      this.emit('reconcile-action', 'retry', record.id);
      this.#enqueue(record.id, 'reattach', () => this.#runReattach(record.id));
    }
    return retried;
  }

  /**
   * Asks a provider (a short-lived process of its own, with the relay-level config) for every
   * resource it owns for this installation. Throws what the provider threw.
   */
  async listProviderResources(providerName: string): Promise<ListedResource[]> {
    return this.#withListingProcess(providerName, async (handle, config) => (await handle.session.request('providerList', { config }, { timeoutMs: this.options.providerRequestTimeoutMs })).resources);
  }

  /** Destroys a resource no record owns (an orphan found by the reconciler). */
  async destroyOrphan(providerName: string, resource: ListedResource): Promise<void> {
    await this.#withListingProcess(providerName, async (handle, config) => {
      const environmentId = resource.environmentId ?? 'orphan';
      await handle.session.request(
        'providerStop',
        { environment: { id: environmentId, name: environmentId, tenant: 'orphan' }, resourceId: resource.resourceId, mode: 'destroy', config },
        { timeoutMs: this.options.providerRequestTimeoutMs },
      );
    });
  }

  async #withListingProcess<T>(providerName: string, use: (handle: ProviderHandle, config: Record<string, unknown>) => Promise<T>): Promise<T> {
    const definition = this.deps.registry.get(providerName);
    const key = `reconcile-${providerName}`;
    return this.#queue.run(key, async () => {
      const handle = await this.deps.processes.acquire(key, definition);
      try {
        return await use(handle, { ...definition.defaults, ...this.deps.providerConfig.decrypted(definition.name) });
      } finally {
        await this.deps.processes.release(key);
        await rm(join(this.options.dataDir, 'logs', key), { recursive: true, force: true });
      }
    });
  }

  /** Stops taking new work and waits (bounded) for in-flight verbs. */
  async shutdown(timeoutMs: number): Promise<void> {
    this.#shuttingDown = true;
    this.#shutdown.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#queue.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Waits until no verb is queued or running (tests and shutdown). */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  // ---- the work ------------------------------------------------------------------------------

  async #runStart(id: string): Promise<void> {
    let record = this.deps.store.get(id);
    if (!record || record.desiredState !== 'running') return;
    const definition = this.deps.registry.get(record.provider.name);
    const generation = record.runtime.generation + 1;
    record = await this.#update(id, (r) => {
      r.state = r.resourceId ? 'starting' : 'creating';
      r.runtime = { connected: false, version: null, generation, pid: null };
      r.lastError = null;
    });
    this.deps.hub.disconnect(id, 'superseded by a new start');
    try {
      const provider = await this.#provider(record, definition);
      const token = await this.deps.tokens.mintRuntimeToken({ environmentId: id, generation }, this.options.runtimeTokenTtlSeconds);
      const result = await provider.session.request(
        'providerStart',
        {
          environment: { id, name: record.name, tenant: record.tenant },
          ...(record.resourceId ? { resourceId: record.resourceId } : {}),
          creationToken: record.creationToken,
          config: this.#providerConfig(record, definition),
          runtime: { url: this.options.runtimeUrl, token },
        },
        { timeoutMs: this.options.providerRequestTimeoutMs },
      );
      await this.#update(id, (r) => {
        r.resourceId = result.resourceId;
        r.state = 'starting';
      });
      await this.#waitForRuntime(id, generation);
      await this.#update(id, (r) => {
        if (r.desiredState === 'running' && r.runtime.generation === generation) r.state = 'running';
      });
    } catch (error) {
      const current = this.deps.store.get(id);
      if (current && current.desiredState !== 'running') return; // superseded by a stop or delete: that verb runs next
      await this.#fail(id, error);
    }
  }

  async #runReattach(id: string): Promise<void> {
    const record = this.deps.store.get(id);
    if (!record || record.desiredState !== 'running') return;
    if (!record.resourceId) {
      this.emit('reconcile-action', 'resume-create', id);
      return this.#runStart(id); // crashed mid-create: the provider finds the resource by its creation token
    }
    const definition = this.deps.registry.get(record.provider.name);
    let status: 'running' | 'stopped' | 'gone';
    try {
      ({ status } = await this.#resourceRequest(record, definition, 'providerAttach', {}));
    } catch (error) {
      const failure = CodeboltError.from(error);
      // A provider that keeps crashing is not transient: the environment goes to error with its output.
      if (failure.code === 'provider-crash-loop') return this.#fail(id, failure);
      // Transient: keep the record as it is (never recreate); a later reconcile retries.
      this.emit('reconcile-action', 'retry-later', id);
      this.deps.logger.warn('reattach failed; will retry', { environmentId: id, code: failure.code, message: failure.message });
      await this.#update(id, (r) => {
        r.lastError = { ...failure.toBody(), at: new Date().toISOString() };
      });
      return;
    }
    this.emit('reconcile-action', status === 'gone' ? 'mark-lost' : status === 'stopped' ? 'start-stopped' : 'reattach', id);
    if (status === 'gone') {
      if (record.restartPolicy === 'recreate') {
        // The environment's restart policy says so: a new resource under a new creation token (never the old one's).
        this.emit('reconcile-action', 'recreate', id);
        this.deps.logger.warn('resource gone; recreating it as the restart policy says', { environmentId: id, resourceId: record.resourceId });
        await this.#update(id, (r) => {
          r.resourceId = null;
          r.creationToken = randomBytes(16).toString('hex');
        });
        return this.#runStart(id);
      }
      return this.#fail(id, new CodeboltError('resource-gone', `resource ${record.resourceId} no longer exists; delete the environment or create a new one (or create it with restartPolicy "recreate")`));
    }
    if (status === 'stopped') {
      this.deps.logger.info('resource found stopped on boot; starting it', { environmentId: id });
      return this.#runStart(id);
    }
    await this.#update(id, (r) => {
      r.state = 'running';
      r.lastError = null;
    });
    try {
      await this.#waitForRuntime(id, record.runtime.generation);
    } catch {
      if (this.#shuttingDown) return;
      await this.#checkRuntime(id, 'the runtime did not reconnect after the relay restarted');
    }
  }

  async #runStop(id: string, options: { keepDesired?: boolean } = {}): Promise<void> {
    const record = this.deps.store.get(id);
    if (!record) return;
    if (!options.keepDesired && record.desiredState !== 'stopped') return;
    await this.#update(id, (r) => {
      r.state = 'stopping';
      r.runtime.generation += 1; // old runtime tokens die now
      r.runtime.connected = false;
    });
    this.deps.hub.disconnect(id, 'environment stopped');
    try {
      if (record.resourceId) {
        await this.#resourceRequest(record, this.deps.registry.get(record.provider.name), 'providerStop', { mode: 'stop' });
      }
      await this.#update(id, (r) => {
        r.state = 'stopped';
        r.runtime = { connected: false, version: null, generation: r.runtime.generation, pid: null };
        r.lastError = null;
      });
      await this.deps.processes.release(id);
    } catch (error) {
      await this.#fail(id, error);
      if (options.keepDesired) throw error;
    }
  }

  async #runDelete(id: string): Promise<void> {
    const record = this.deps.store.get(id);
    if (!record) return;
    await this.#update(id, (r) => {
      r.state = 'deleting';
      r.runtime.generation += 1;
      r.runtime.connected = false;
    });
    this.deps.hub.disconnect(id, 'environment deleted');
    try {
      if (record.resourceId) {
        await this.#resourceRequest(record, this.deps.registry.get(record.provider.name), 'providerStop', { mode: 'destroy' });
      }
      await this.deps.processes.release(id);
      // Logs first: once the record is gone (a 404), nothing of the environment is left on disk.
      await rm(join(this.options.dataDir, 'logs', id), { recursive: true, force: true });
      await this.deps.store.remove(id);
      this.emit('deleted', record);
    } catch (error) {
      await this.#fail(id, error);
    }
  }

  /** Asks the provider whether the resource still runs; if not, the environment goes to error. */
  async #checkRuntime(id: string, reason: string): Promise<void> {
    const record = this.deps.store.get(id);
    if (!record || record.desiredState !== 'running' || record.state !== 'running' || !record.resourceId) return;
    if (this.deps.hub.connection(id)) return;
    const definition = this.deps.registry.get(record.provider.name);
    let status: string;
    let detail: string | undefined;
    try {
      ({ status, detail } = await this.#resourceRequest(record, definition, 'providerAttach', {}));
    } catch (error) {
      this.#logFailure('runtime check', id, error);
      return;
    }
    if (status === 'running') return;
    const code = status === 'gone' ? 'resource-gone' : 'runtime-exited';
    await this.#fail(
      id,
      new CodeboltError(code, `${reason}: the resource is ${status}${detail ? ` (${detail})` : ''}; start it again with \`codebolt env start ${id}\``),
    );
  }

  // ---- runtime events ------------------------------------------------------------------------

  async #onRuntimeConnected(connection: RuntimeConnection): Promise<void> {
    const record = this.deps.store.get(connection.environmentId);
    if (!record || record.runtime.generation !== connection.generation) return;
    await this.#update(record.id, (r) => {
      r.runtime.connected = true;
      r.runtime.version = connection.version;
      r.runtime.pid = connection.pid;
    });
    this.emit('runtime-connected', record.id, connection);
    const token = await this.deps.tokens.mintRuntimeToken({ environmentId: record.id, generation: connection.generation }, this.options.runtimeTokenTtlSeconds);
    if (connection.socket.readyState === connection.socket.OPEN) {
      connection.socket.send(JSON.stringify({ v: 1, type: 'runtime-token', data: { token } }));
    }
  }

  #onRuntimeDisconnected(environmentId: string, generation: number, reason: string): void {
    const record = this.deps.store.get(environmentId);
    if (!record || record.runtime.generation !== generation) return;
    this.emit('runtime-disconnected', environmentId, reason);
    void this.#update(environmentId, (r) => {
      if (r.runtime.generation === generation) r.runtime.connected = false;
    }).catch(() => {});
    if (this.#shuttingDown || record.desiredState !== 'running' || record.state !== 'running') return;
    this.#enqueue(environmentId, 'runtime check', () => this.#checkRuntime(environmentId, 'the runtime disconnected'));
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** Waits for the runtime of `generation`; aborted by shutdown or by a newer verb (#supersede). */
  async #waitForRuntime(id: string, generation: number): Promise<void> {
    const controller = new AbortController();
    this.#runtimeWaits.set(id, controller);
    // A verb that ran before this wait began has already changed what the environment should be.
    if (this.deps.store.get(id)?.desiredState !== 'running') controller.abort();
    try {
      await this.deps.hub.waitFor(id, generation, this.options.runtimeConnectTimeoutMs, AbortSignal.any([controller.signal, this.#shutdown.signal]));
    } finally {
      if (this.#runtimeWaits.get(id) === controller) this.#runtimeWaits.delete(id);
    }
  }

  /** A verb changed what the environment should be: stop waiting for a runtime it no longer wants. */
  #supersede(id: string): void {
    this.#runtimeWaits.get(id)?.abort();
  }

  /**
   * Whether an app's file request for this environment can go to its provider instead of waiting
   * for the runtime: the environment is stopped, has a resource, and its provider declares the
   * `files` capability.
   */
  canServeFiles(id: string): boolean {
    const record = this.deps.store.get(id);
    if (!record || record.state !== 'stopped' || !record.resourceId) return false;
    return this.deps.registry.get(record.provider.name).capabilities.includes(FILES_CAPABILITY);
  }

  /**
   * Serves an app's `fs.read`, `fs.list` or `diff` through the provider (`providerFiles`), in the
   * environment's queue so it never races a verb. A provider process started for it is released
   * afterwards unless the environment is running by then. Throws `runtime-unavailable` when the
   * environment is no longer stopped, or the provider's error.
   */
  serveFiles(id: string, type: ProviderFileRequestType, data: unknown): Promise<unknown> {
    return this.#queue.run(id, async () => {
      const record = this.deps.store.get(id);
      if (!record || !this.canServeFiles(id)) {
        throw new CodeboltError('runtime-unavailable', `environment ${id} is not stopped any more; retry the request to reach its runtime`);
      }
      const definition = this.deps.registry.get(record.provider.name);
      const provider = await this.#provider(record, definition);
      try {
        const answer = await provider.session.request(
          'providerFiles',
          { environment: { id, name: record.name, tenant: record.tenant }, resourceId: record.resourceId, config: this.#providerConfig(record, definition), request: { type, data } },
          { timeoutMs: this.options.providerRequestTimeoutMs },
        );
        return answer.data;
      } finally {
        if (this.deps.store.get(id)?.state !== 'running') await this.deps.processes.release(id);
      }
    });
  }

  #enqueue(id: string, what: string, task: () => Promise<void>): void {
    void this.#queue.run(id, task).catch((error) => this.#logFailure(what, id, error));
  }

  async #provider(record: EnvironmentRecord, definition: ProviderDefinition): Promise<ProviderHandle> {
    return this.deps.processes.acquire(record.id, definition);
  }

  /** Sends a request about the record's resource to its provider process (spawned if needed). */
  async #resourceRequest<T extends 'providerAttach' | 'providerStop'>(
    record: EnvironmentRecord,
    definition: ProviderDefinition,
    type: T,
    extra: T extends 'providerStop' ? { mode: 'stop' | 'destroy' } : Record<string, never>,
  ): Promise<ProviderResult<T>> {
    const provider = await this.#provider(record, definition);
    return provider.session.request(
      type,
      { environment: { id: record.id, name: record.name, tenant: record.tenant }, resourceId: record.resourceId, config: this.#providerConfig(record, definition), ...extra },
      { timeoutMs: this.options.providerRequestTimeoutMs },
    );
  }

  #mergedConfig(definition: ProviderDefinition, environmentConfig: Record<string, unknown>): Record<string, unknown> {
    const merged = { ...definition.defaults, ...this.deps.providerConfig.decrypted(definition.name), ...environmentConfig };
    definition.validate(merged, 'config');
    return merged;
  }

  #providerConfig(record: EnvironmentRecord, definition: ProviderDefinition): Record<string, unknown> {
    // The stored config, not a copy taken earlier: a master key rotation may have re-encrypted it meanwhile.
    const config = this.deps.store.get(record.id)?.config ?? record.config;
    return this.#mergedConfig(definition, decryptSecretFields(config, this.deps.cipher, `env:${record.id}`));
  }

  #refuseWhileDeleting(record: EnvironmentRecord, verb: string): void {
    if (record.desiredState === 'deleted') throw new CodeboltError('invalid-state', `environment ${record.id} is being deleted; it cannot ${verb}`);
  }

  async #update(id: string, change: (record: EnvironmentRecord) => void): Promise<EnvironmentRecord> {
    const record = await this.deps.store.update(id, change);
    this.emit('changed', record);
    return record;
  }

  async #fail(id: string, error: unknown): Promise<void> {
    if (this.#shuttingDown) {
      // Interrupted by a graceful shutdown: leave the record for the next boot's reconcile.
      this.deps.logger.info('operation interrupted by shutdown', { environmentId: id });
      return;
    }
    const failure = CodeboltError.from(error, 'internal error while acting on the environment; see the relay log');
    if (failure.code === 'internal') this.deps.logger.error('environment operation failed', { environmentId: id, error: failure.cause ?? failure });
    else this.deps.logger.warn('environment operation failed', { environmentId: id, code: failure.code, message: failure.message });
    if (!this.deps.store.get(id)) return;
    await this.#update(id, (r) => {
      r.state = 'error';
      r.lastError = { ...failure.toBody(), at: new Date().toISOString() };
    }).catch(() => {});
  }

  #logFailure(what: string, id: string, error: unknown): void {
    const failure = CodeboltError.from(error);
    this.deps.logger.error(`${what} failed`, { environmentId: id, code: failure.code, message: failure.message, cause: failure.cause });
  }
}

export { TRANSITIONAL as TRANSITIONAL_STATES };
export type { CreateEnvironmentInput };
