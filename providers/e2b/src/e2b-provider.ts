import { CodeboltError } from '@codebolt/protocol';
import {
  BaseProvider,
  parseProviderConfig,
  type AttachResult,
  type CreateResult,
  type HealthResult,
  type ListedResource,
  type ProviderContext,
  type ResourceContext,
  type StartContext,
} from '@codebolt/provider';
import { Sandbox, SandboxError, type ConnectionOpts, type SandboxInfo } from 'e2b';
import packageJson from '../package.json' with { type: 'json' };
import { e2bConfigSchema, type E2bConfig, type ResolvedE2bConfig } from './e2b-config.js';
import { e2bError, isNotFound } from './e2b-errors.js';
import { METADATA } from './e2b-metadata.js';
import { SandboxKeepAlive } from './sandbox-keep-alive.js';

/** HTTP statuses of a pause call that mean "this account or API cannot pause". */
const PAUSE_UNSUPPORTED_STATUSES = new Set([400, 403, 405, 501]);
/** Page size of `Sandbox.list` calls. */
const LIST_PAGE_SIZE = 100;
/** At most this many pages are read (10 000 sandboxes) before `list` gives up with an error. */
const MAX_LIST_PAGES = 100;

export interface E2bProviderSettings {
  /**
   * This relay's installation id (env `CODEBOLT_INSTALLATION_ID`): every sandbox carries it in
   * its metadata, and `list` returns only those, so relays sharing an E2B team never see each
   * other's sandboxes.
   */
  installationId: string;
  /** The provider's environment, for `E2B_API_KEY`, `E2B_API_URL`, `E2B_DOMAIN`, `E2B_SANDBOX_URL`. Default `process.env`. */
  environment?: NodeJS.ProcessEnv;
  /** How often running sandboxes get their timeout renewed, in milliseconds. Default: a third of each sandbox's `timeoutMs`. */
  keepAliveIntervalMs?: number;
}

/**
 * One E2B sandbox per environment, made with the `e2b` SDK from the configured template;
 * resourceId = the sandbox id. The sandbox's metadata carries the installation id, the
 * environment id and the creation token. The runtime's URL and token reach the sandbox only as
 * environment variables: `envs` of `Sandbox.create`, and `envs` of the envd process call that
 * starts `runtimeCommand` after create (`runtimeLaunch: envd`, the default) and after a resume.
 * With `runtimeLaunch: start-command` the template's start command runs the runtime itself.
 *
 * stop = `Sandbox.pause` (capability `pause`: the filesystem, and with it the workspace, is
 * kept); start = `Sandbox.connect` (resumes) + a new runtime; destroy = `Sandbox.kill`. The
 * sandbox timeout (`timeoutMs`) is set on create and resume, renewed on every attach, and
 * renewed every `timeoutMs / 3` while this provider process runs the environment (see
 * `SandboxKeepAlive`), so it runs out only when the relay stops looking after the environment.
 */
export class E2bProvider extends BaseProvider<E2bConfig> {
  readonly name = 'e2b';
  readonly version: string = packageJson.version;
  private readonly installationId: string;
  private readonly environment: NodeJS.ProcessEnv;
  private readonly keepAlive: SandboxKeepAlive;

  /** Throws `invalid-config` for a malformed installation id. Does no I/O. */
  constructor(settings: E2bProviderSettings) {
    super();
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(settings.installationId)) {
      throw new CodeboltError('invalid-config', `the installation id must be 1-64 letters, digits, "_", "." or "-" (CODEBOLT_INSTALLATION_ID), got "${settings.installationId.slice(0, 80)}"`);
    }
    this.installationId = settings.installationId;
    this.environment = settings.environment ?? process.env;
    this.keepAlive = new SandboxKeepAlive(
      {
        onGone: (resourceId) => this.reportResourceState(resourceId, 'gone', `E2B no longer has sandbox ${resourceId} (killed or timed out)`),
        onFailure: (resourceId, error) => this.log('warn', e2bError(error, `renew the timeout of sandbox ${resourceId}`).message),
      },
      settings.keepAliveIntervalMs,
    );
  }

  /** The sandboxes whose timeout this provider renews (those it runs now). */
  get keptAlive(): string[] {
    return this.keepAlive.tracked;
  }

  /**
   * Makes a sandbox from `template` with the runtime's URL and token in its `envs`, or — when a
   * sandbox with this creation token exists already (an earlier attempt whose reply was lost) —
   * adopts that one: resumes it if paused and starts a runtime in it with the new token.
   */
  async create(context: StartContext<E2bConfig>): Promise<CreateResult> {
    const config = this.parse(context.config);
    const options = this.connection(config, context.signal);
    const what = `create a sandbox from template "${config.template}"`;
    let earlier: SandboxInfo | undefined;
    try {
      earlier = (await this.find(options, { [METADATA.installation]: this.installationId, [METADATA.creationToken]: context.creationToken }))[0];
    } catch (error) {
      throw e2bError(error, what);
    }
    if (earlier) {
      await this.resume(earlier.sandboxId, config, context);
      this.log('info', `adopted sandbox ${earlier.sandboxId}, made by an earlier attempt of this create`);
      return { resourceId: earlier.sandboxId };
    }
    try {
      const sandbox = await Sandbox.create(config.template, {
        ...options,
        timeoutMs: config.timeoutMs,
        metadata: {
          [METADATA.managed]: 'codebolt',
          [METADATA.installation]: this.installationId,
          [METADATA.environment]: context.environment.id,
          [METADATA.creationToken]: context.creationToken,
        },
        envs: this.runtimeEnvironment(config, context),
      });
      if (config.runtimeLaunch === 'envd') {
        try {
          await this.launch(sandbox, config, context);
        } catch (error) {
          // A sandbox without a runtime is of no use: kill it rather than leave it running until its timeout.
          await Sandbox.kill(sandbox.sandboxId, { ...options, signal: new AbortController().signal }).catch((killError: unknown) =>
            this.log('warn', e2bError(killError, `kill sandbox ${sandbox.sandboxId}, whose runtime did not start (E2B ends it at its timeout)`).message),
          );
          throw error;
        }
      }
      this.keep(sandbox.sandboxId, config);
      return { resourceId: sandbox.sandboxId };
    } catch (error) {
      if (error instanceof CodeboltError) throw error;
      if (error instanceof SandboxError && error.statusCode === 404) {
        throw new CodeboltError(
          'invalid-config',
          `invalid config for provider "e2b": template: E2B has no template "${config.template}" (${error.message}); build one that runs the Codebolt runtime (docs/providers/e2b.md) and set --config template=<its id or name>`,
          { cause: error },
        );
      }
      throw e2bError(error, what);
    }
  }

  /** Resumes the sandbox (`Sandbox.connect`) and starts a runtime in it with the new token; `resource-gone` when it no longer exists. */
  async start(resourceId: string, context: StartContext<E2bConfig>): Promise<void> {
    await this.resume(resourceId, this.parse(context.config), context);
  }

  /**
   * `gone` when E2B has no such sandbox (or it belongs to another installation), `stopped` when
   * it is paused, `running` when it runs — then `Sandbox.connect` renews its timeout to
   * `timeoutMs` from now. Throws on any other failure (never `gone` for a transient one).
   */
  async attach(resourceId: string, context: ResourceContext<E2bConfig>): Promise<AttachResult> {
    const config = this.parse(context.config);
    const options = this.connection(config, context.signal);
    let info: SandboxInfo;
    try {
      info = await Sandbox.getInfo(resourceId, options);
    } catch (error) {
      if (isNotFound(error)) {
        this.keepAlive.untrack(resourceId);
        return { status: 'gone', detail: `E2B has no sandbox ${resourceId}` };
      }
      throw e2bError(error, `look up sandbox ${resourceId}`);
    }
    if (info.metadata[METADATA.installation] !== this.installationId) {
      return { status: 'gone', detail: `sandbox ${resourceId} belongs to another installation` };
    }
    if (info.state === 'paused') {
      this.keepAlive.untrack(resourceId);
      return { status: 'stopped', detail: `sandbox ${resourceId} paused` };
    }
    try {
      await Sandbox.connect(resourceId, { ...options, timeoutMs: config.timeoutMs });
    } catch (error) {
      if (isNotFound(error)) {
        this.keepAlive.untrack(resourceId);
        return { status: 'gone', detail: `sandbox ${resourceId} ended while being looked at` };
      }
      throw e2bError(error, `extend the timeout of sandbox ${resourceId}`);
    }
    this.keep(resourceId, config);
    return { status: 'running', detail: `sandbox ${resourceId} running` };
  }

  /** `Sandbox.pause`: the runtime stops with the sandbox; its filesystem is kept until `destroy`. */
  async stop(resourceId: string, context: ResourceContext<E2bConfig>): Promise<void> {
    const options = this.connection(this.parse(context.config), context.signal);
    this.keepAlive.untrack(resourceId);
    try {
      await Sandbox.pause(resourceId, options);
    } catch (error) {
      if (isNotFound(error)) throw new CodeboltError('resource-gone', `E2B has no sandbox ${resourceId} to pause; it was killed or timed out: delete the environment and create it again`, { cause: error });
      if (error instanceof SandboxError && PAUSE_UNSUPPORTED_STATUSES.has(error.statusCode ?? 0)) {
        // The documented fallback: stop is refused, never faked. The sandbox keeps running (and
        // its timeout is no longer renewed), so E2B ends it within timeoutMs unless started again.
        throw new CodeboltError(
          'unsupported',
          `this E2B account or API cannot pause sandboxes (${error.message}), so environments of provider "e2b" cannot be stopped with their files kept; sandbox ${resourceId} keeps running until its timeout (timeoutMs) ends it — delete the environment when you are done with it (codebolt env delete ${context.environment.id}), or use an E2B plan with pause`,
          { cause: error },
        );
      }
      throw e2bError(error, `pause sandbox ${resourceId}`);
    }
  }

  /** `Sandbox.kill`; a sandbox E2B no longer has counts as destroyed. */
  async destroy(resourceId: string, context: ResourceContext<E2bConfig>): Promise<void> {
    const options = this.connection(this.parse(context.config), context.signal);
    this.keepAlive.untrack(resourceId);
    try {
      await Sandbox.kill(resourceId, options);
    } catch (error) {
      if (isNotFound(error)) return;
      throw e2bError(error, `kill sandbox ${resourceId}`);
    }
  }

  /** Every running or paused sandbox whose metadata carries this installation id. */
  async list(context: ProviderContext<E2bConfig>): Promise<ListedResource[]> {
    const options = this.connection(this.parse(context.config), context.signal);
    try {
      const sandboxes = await this.find(options, { [METADATA.installation]: this.installationId });
      return sandboxes.map((sandbox) => {
        const status = sandbox.state === 'paused' ? 'stopped' : 'running';
        const environmentId = sandbox.metadata[METADATA.environment];
        return environmentId === undefined ? { resourceId: sandbox.sandboxId, status } : { resourceId: sandbox.sandboxId, environmentId, status };
      });
    } catch (error) {
      throw e2bError(error, 'list sandboxes');
    }
  }

  /** Lists one sandbox of this installation: proves the API is reachable and the key valid. */
  override async health(context: ProviderContext<E2bConfig>): Promise<HealthResult> {
    try {
      const options = this.connection(this.parse(context.config), context.signal);
      await Sandbox.list({ ...options, limit: 1, query: { metadata: { [METADATA.installation]: this.installationId } } }).nextItems();
      return { ok: true };
    } catch (error) {
      return { ok: false, message: e2bError(error, 'list sandboxes').message };
    }
  }

  private parse(config: unknown): ResolvedE2bConfig {
    return parseProviderConfig(e2bConfigSchema, config, this.name);
  }

  /** The SDK's connection options: config first, then the provider's env. Throws `invalid-config` naming `apiKey` without a key. */
  private connection(config: ResolvedE2bConfig, signal: AbortSignal): ConnectionOpts {
    const apiKey = config.apiKey ?? this.environment.E2B_API_KEY;
    if (!apiKey) {
      throw new CodeboltError('invalid-config', 'invalid config for provider "e2b": apiKey: no E2B API key; set --config apiKey=… (codebolt provider configure e2b) or E2B_API_KEY in the relay\'s environment');
    }
    const apiUrl = config.apiUrl ?? this.environment.E2B_API_URL;
    const domain = config.domain ?? this.environment.E2B_DOMAIN;
    const sandboxUrl = config.sandboxUrl ?? this.environment.E2B_SANDBOX_URL;
    return {
      apiKey,
      requestTimeoutMs: config.requestTimeoutMs,
      signal,
      ...(apiUrl ? { apiUrl } : {}),
      ...(domain ? { domain } : {}),
      ...(sandboxUrl ? { sandboxUrl } : {}),
    };
  }

  /** Running and paused sandboxes whose metadata has every pair of `metadata`, all pages. */
  private async find(options: ConnectionOpts, metadata: Record<string, string>): Promise<SandboxInfo[]> {
    const paginator = Sandbox.list({ ...options, limit: LIST_PAGE_SIZE, query: { metadata, state: ['running', 'paused'] } });
    const found: SandboxInfo[] = [];
    for (let page = 0; paginator.hasNext; page += 1) {
      if (page === MAX_LIST_PAGES) throw new Error(`more than ${MAX_LIST_PAGES * LIST_PAGE_SIZE} sandboxes match; delete the ones you do not need`);
      found.push(...(await paginator.nextItems()));
    }
    return found;
  }

  /** `Sandbox.connect` (resumes a paused sandbox, sets its timeout) and a new runtime through envd with the new token. */
  private async resume(resourceId: string, config: ResolvedE2bConfig, context: StartContext<E2bConfig>): Promise<void> {
    const options = this.connection(config, context.signal);
    let sandbox: Sandbox;
    try {
      sandbox = await Sandbox.connect(resourceId, { ...options, timeoutMs: config.timeoutMs });
    } catch (error) {
      if (isNotFound(error)) {
        throw new CodeboltError('resource-gone', `E2B has no sandbox ${resourceId}; it was killed or timed out: delete the environment (codebolt env delete ${context.environment.id}) and create it again`, { cause: error });
      }
      throw e2bError(error, `resume sandbox ${resourceId}`);
    }
    await this.launch(sandbox, config, context);
    this.keep(resourceId, config);
  }

  /** Starts `runtimeCommand` in the sandbox through envd, detached; the token travels in the request's `envs`, never in the command line. */
  private async launch(sandbox: Sandbox, config: ResolvedE2bConfig, context: StartContext<E2bConfig>): Promise<void> {
    try {
      const runtime = await sandbox.commands.run(config.runtimeCommand, { background: true, envs: this.runtimeEnvironment(config, context), requestTimeoutMs: config.requestTimeoutMs });
      await runtime.disconnect();
    } catch (error) {
      if (isNotFound(error)) throw new CodeboltError('resource-gone', `sandbox ${sandbox.sandboxId} stopped running while its runtime was being started`, { cause: error });
      throw e2bError(error, `start the runtime (${config.runtimeCommand}) in sandbox ${sandbox.sandboxId}`);
    }
  }

  /** Renews the sandbox's timeout from now on, without the request's abort signal. */
  private keep(resourceId: string, config: ResolvedE2bConfig): void {
    const { signal: _signal, ...options } = this.connection(config, new AbortController().signal);
    this.keepAlive.track(resourceId, { options, timeoutMs: config.timeoutMs });
  }

  private runtimeEnvironment(config: ResolvedE2bConfig, context: StartContext<E2bConfig>): Record<string, string> {
    return { ...config.env, ...config.secretEnv, CODEBOLT_RUNTIME_URL: context.runtime.url, CODEBOLT_RUNTIME_TOKEN: context.runtime.token };
  }
}
