import { CodeboltError, type ListedResource, type ResourceStatus } from '@codebolt/protocol';
import type {
  AttachResult,
  ProviderAttachRequest,
  ProviderHealthRequest,
  ProviderListRequest,
  ProviderStartRequest,
  ProviderStopRequest,
  CreateResult,
  FileRequest,
  HealthResult,
  ProviderFilesRequest,
  ProviderContext,
  ProviderLogLevel,
  ProviderStartResult,
  ProviderStopMode,
  ResourceContext,
  StartContext,
} from './types.js';

/** Events a provider sends on its own, outside any request. */
export type ProviderEvent =
  | { type: 'resourceState'; data: { resourceId: string; status: ResourceStatus; reason?: string } }
  | { type: 'log'; data: { level: ProviderLogLevel; message: string } };

/** @internal Where `reportResourceState` and `log` go; set by `runProvider` while it serves. */
export const providerEventSink = Symbol('codebolt.providerEventSink');

const MAX_LOG_MESSAGE_CHARS = 16_384;
const MAX_REASON_CHARS = 4_096;

/**
 * The provider contract, version 1. A provider makes and looks after one kind of resource (a
 * local process, a container, a sandbox, a VM) and launches the runtime inside it. Subclasses
 * implement six verbs and return plain data; this class maps the relay's requests onto them,
 * and `runProvider` owns the connection, heartbeats and request routing.
 *
 * Rules for the verbs:
 * - Every verb gets `context.signal`; it aborts when the relay connection that carried the
 *   request closes. Pass it to the backend's SDK calls.
 * - Throw `CodeboltError` with a code from the closed set when the code matters to the relay
 *   (`resource-gone`, `invalid-config`, `timeout`, `unsupported`…). Any other throw reaches the
 *   relay as `provider-error` with the error's message, so write messages an operator can act on
 *   and never put a secret (token, key) in them.
 * - Never put the runtime token in argv, a URL or a log line: hand it to the runtime as the env
 *   var `CODEBOLT_RUNTIME_TOKEN`.
 * - No I/O in the constructor: the relay may construct a provider only to read its name.
 */
export abstract class BaseProvider<Config = Record<string, unknown>> {
  /** The provider's name, equal to `codebolt.provider.name` in its package.json. */
  abstract readonly name: string;
  /** The provider's version (its package version). */
  abstract readonly version: string;

  /** @internal */
  [providerEventSink]: ((event: ProviderEvent) => void) | undefined;

  /**
   * Makes a new resource and launches the runtime in it with `context.runtime`. Tag the resource
   * with `context.creationToken` (and `context.environment.id`) where the backend allows, so that
   * a create retried with the same token returns the resource an earlier attempt made.
   */
  abstract create(context: StartContext<Config>): Promise<CreateResult>;

  /**
   * Resumes a stopped resource and launches a runtime in it with the new `context.runtime`.
   * Throw `CodeboltError('resource-gone', …)` when the resource no longer exists. A backend that
   * cannot keep a resource across stop (an ECS task) makes a new one here and returns its
   * `{ resourceId }`, which replaces the old id in the relay's record; return nothing otherwise.
   */
  abstract start(resourceId: string, context: StartContext<Config>): Promise<void | CreateResult>;

  /**
   * Looks at a resource without changing anything: `running` (a runtime is running in it),
   * `stopped` (the resource exists, no runtime runs) or `gone` (it no longer exists). A transient
   * backend failure (network, rate limit) must throw, never answer `gone`: the relay destroys
   * records on `gone`.
   */
  abstract attach(resourceId: string, context: ResourceContext<Config>): Promise<AttachResult>;

  /** Ends the runtime and keeps the resource (stop, suspend or pause), so `start` can resume it. */
  abstract stop(resourceId: string, context: ResourceContext<Config>): Promise<void>;

  /** Removes the resource and everything it holds. Destroying a resource that is already gone succeeds. */
  abstract destroy(resourceId: string, context: ResourceContext<Config>): Promise<void>;

  /** Every resource this provider made (found by its tags), with its status; the relay reaps unknown ones. */
  abstract list(context: ProviderContext<Config>): Promise<ListedResource[]>;

  /** Checks that the backend is reachable with this config. Default: `{ ok: true }`. */
  async health(_context: ProviderContext<Config>): Promise<HealthResult> {
    return { ok: true };
  }

  /**
   * Optional capability `files` (declare it in package.json `codebolt.provider.capabilities`):
   * serve an app's `fs.read`, `fs.list` or `diff` from the resource while no runtime is connected
   * (a stopped environment), so an app can read its files and diff. Return the data the runtime
   * would answer (see `fsReadResultSchema`, `fsListResultSchema`, `diffResultSchema` in
   * `@codebolt/protocol`); throw `file-not-found` / `path-outside-workspace` as the runtime does.
   * Default: throws `unsupported`.
   */
  async files(_resourceId: string, request: FileRequest, _context: ResourceContext<Config>): Promise<unknown> {
    throw new CodeboltError('unsupported', `provider "${this.name}" does not serve ${request.type} itself; start the environment to reach its runtime`);
  }

  /**
   * `providerStart`: without `resourceId`, `create` → `created`. With it, `attach` first: `gone`
   * throws `resource-gone`; `running` is stopped and started again so that the runtime in use
   * holds the new token; `stopped` is started → `resumed`.
   */
  async providerStart(request: ProviderStartRequest, signal: AbortSignal): Promise<ProviderStartResult> {
    const context: StartContext<Config> = {
      environment: request.environment,
      config: request.config as Config,
      creationToken: request.creationToken,
      runtime: request.runtime,
      signal,
    };
    if (request.resourceId === undefined) {
      const { resourceId } = await this.create(context);
      return { resourceId, outcome: 'created' };
    }
    const resourceId = request.resourceId;
    const resourceContext: ResourceContext<Config> = { environment: request.environment, config: context.config, signal };
    const { status, detail } = await this.attach(resourceId, resourceContext);
    if (status === 'gone') {
      throw new CodeboltError(
        'resource-gone',
        `resource ${resourceId} of provider "${this.name}" no longer exists${detail ? ` (${detail})` : ''}; ` +
          `delete the environment (codebolt env delete ${request.environment.id}) and create it again`,
      );
    }
    if (status === 'running') await this.stop(resourceId, resourceContext);
    const started = await this.start(resourceId, context);
    return { resourceId: started?.resourceId ?? resourceId, outcome: 'resumed' };
  }

  /** `providerAttach` → `attach`. */
  async providerAttach(request: ProviderAttachRequest, signal: AbortSignal): Promise<AttachResult> {
    return this.attach(request.resourceId, { environment: request.environment, config: request.config as Config, signal });
  }

  /** `providerStop` → `stop` (mode `stop`) or `destroy` (mode `destroy`). */
  async providerStop(request: ProviderStopRequest, signal: AbortSignal): Promise<Record<string, never>> {
    const context: ResourceContext<Config> = { environment: request.environment, config: request.config as Config, signal };
    const mode: ProviderStopMode = request.mode;
    if (mode === 'destroy') await this.destroy(request.resourceId, context);
    else await this.stop(request.resourceId, context);
    return {};
  }

  /** `providerList` → `list`. */
  async providerList(request: ProviderListRequest, signal: AbortSignal): Promise<{ resources: ListedResource[] }> {
    return { resources: await this.list({ config: request.config as Config, signal }) };
  }

  /** `providerFiles` → `files`. */
  async providerFiles(request: ProviderFilesRequest, signal: AbortSignal): Promise<{ data: unknown }> {
    const data = await this.files(request.resourceId, request.request, { environment: request.environment, config: request.config as Config, signal });
    return { data };
  }

  /** `providerHealth` → `health`. */
  async providerHealth(request: ProviderHealthRequest, signal: AbortSignal): Promise<HealthResult> {
    return this.health({ config: request.config as Config, signal });
  }

  /**
   * Tells the relay that a resource changed on its own (the runtime died, the backend reclaimed
   * the sandbox). Sent as a `resourceState` event; dropped (after a bounded queue) while the
   * relay is unreachable.
   */
  protected reportResourceState(resourceId: string, status: ResourceStatus, reason?: string): void {
    const data = reason === undefined ? { resourceId, status } : { resourceId, status, reason: reason.slice(0, MAX_REASON_CHARS) };
    this.emitEvent({ type: 'resourceState', data });
  }

  /**
   * Sends a line to the relay's log for this environment (a `log` event). Outside `runProvider`
   * it goes to stderr. Never log a secret.
   */
  protected log(level: ProviderLogLevel, message: string): void {
    this.emitEvent({ type: 'log', data: { level, message: message.slice(0, MAX_LOG_MESSAGE_CHARS) } });
  }

  private emitEvent(event: ProviderEvent): void {
    const sink = this[providerEventSink];
    if (sink) sink(event);
    else if (event.type === 'log') process.stderr.write(`[${this.name}] ${event.data.level}: ${event.data.message}\n`);
    else process.stderr.write(`[${this.name}] resource ${event.data.resourceId} is ${event.data.status}${event.data.reason ? `: ${event.data.reason}` : ''}\n`);
  }
}
