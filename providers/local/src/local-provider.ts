import { access, constants, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
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
import packageJson from '../package.json' with { type: 'json' };
import { localConfigSchema, type LocalConfig } from './local-config.js';
import { isSafeEnvironmentId, pathsForEnvironment, pathsForResource, resourceIdFor, stateRoot, type LocalResourcePaths } from './local-paths.js';
import { LocalRuntime } from './local-runtime.js';
import { readResourceRecord, writeJsonAtomic } from './state-files.js';

/** Default wait for a runtime to exit after SIGTERM (and again after SIGKILL), in milliseconds. */
export const DEFAULT_STOP_TIMEOUT_MS = 5_000;

export type { LocalConfig } from './local-config.js';

export interface LocalProviderSettings {
  /** The data dir (`CODEBOLT_HOME`), absolute. Workspaces, state and logs live under it. */
  home: string;
  /**
   * The runtime program, run as `node <runtimeBin>`. Default: `@codebolt/runtime`'s
   * `dist/bin.js`, resolved from this package when first needed.
   */
  runtimeBin?: string;
  /** How long a stop waits for the runtime to exit after SIGTERM (and after SIGKILL), in ms. Default 5000. */
  stopTimeoutMs?: number;
}

/**
 * The embedded default provider: a resource is a workspace directory `<home>/workspaces/<envId>`
 * and the runtime is a detached local process in it that survives provider and relay restarts.
 * resourceId = `local-<envId>`. `stop` ends the process and keeps the workspace; `destroy`
 * removes both. The runtime is identified by pid and process start time, so a reused pid is never
 * mistaken for it.
 */
export class LocalProvider extends BaseProvider<LocalConfig> {
  readonly name = 'local';
  readonly version: string = packageJson.version;
  private readonly home: string;
  private readonly runtime: LocalRuntime;

  /** Throws `invalid-config` when `home` is not absolute or `stopTimeoutMs` is not positive. Does no I/O. */
  constructor(settings: LocalProviderSettings) {
    super();
    if (!isAbsolute(settings.home)) {
      throw new CodeboltError('invalid-config', `the local provider's home must be an absolute path (CODEBOLT_HOME), got "${settings.home}"`);
    }
    const stopTimeoutMs = settings.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    if (!Number.isFinite(stopTimeoutMs) || stopTimeoutMs <= 0) {
      throw new CodeboltError('invalid-config', `stopTimeoutMs must be a positive number of milliseconds, got ${stopTimeoutMs}`);
    }
    this.home = settings.home;
    this.runtime = new LocalRuntime({ runtimeBin: settings.runtimeBin, stopTimeoutMs, log: (level, message) => this.log(level, message) });
  }

  /**
   * Makes the workspace and state dirs and launches the runtime. Idempotent for one creation
   * token (an earlier runtime is replaced so the new token is used); throws `conflict` when the
   * workspace belongs to another creation or was not made by this provider.
   */
  async create(context: StartContext<LocalConfig>): Promise<CreateResult> {
    parseProviderConfig(localConfigSchema, context.config, this.name);
    const paths = pathsForEnvironment(this.home, context.environment.id);
    const existing = await readResourceRecord(paths.resourceFile);
    if (existing !== undefined && existing.creationToken !== context.creationToken) {
      throw new CodeboltError(
        'conflict',
        `workspace ${paths.workspace} already belongs to another creation of environment ${paths.environmentId} (created ${existing.createdAt}); ` +
          `delete that environment first (codebolt env delete ${paths.environmentId}) or remove ${paths.workspace} and ${paths.stateDir}`,
      );
    }
    if (existing === undefined) {
      if (await isDirectory(paths.workspace)) {
        throw new CodeboltError(
          'conflict',
          `workspace ${paths.workspace} already exists but was not made by the local provider; move it away or remove it, then create the environment again`,
        );
      }
      await mkdir(paths.stateDir, { recursive: true });
      await writeJsonAtomic(paths.resourceFile, {
        environmentId: paths.environmentId,
        creationToken: context.creationToken,
        createdAt: new Date().toISOString(),
      });
    }
    await mkdir(paths.workspace, { recursive: true });
    await this.launch(paths, context);
    return { resourceId: resourceIdFor(paths.environmentId) };
  }

  /** Launches the runtime in the existing workspace; throws `resource-gone` when it is missing. */
  async start(resourceId: string, context: StartContext<LocalConfig>): Promise<void> {
    parseProviderConfig(localConfigSchema, context.config, this.name);
    const paths = pathsForResource(this.home, resourceId);
    if (!(await isDirectory(paths.workspace))) {
      throw new CodeboltError(
        'resource-gone',
        `workspace ${paths.workspace} no longer exists; delete the environment (codebolt env delete ${paths.environmentId}) and create it again`,
      );
    }
    await this.launch(paths, context);
  }

  async attach(resourceId: string, _context: ResourceContext<LocalConfig>): Promise<AttachResult> {
    return this.statusOf(pathsForResource(this.home, resourceId));
  }

  /** Ends the runtime (SIGTERM, then SIGKILL to its process group) and keeps the workspace. */
  async stop(resourceId: string, context: ResourceContext<LocalConfig>): Promise<void> {
    await this.runtime.stop(pathsForResource(this.home, resourceId), context.signal);
  }

  /** Stops the runtime, then removes the workspace and the state dir. Succeeds when already gone. */
  async destroy(resourceId: string, context: ResourceContext<LocalConfig>): Promise<void> {
    const paths = pathsForResource(this.home, resourceId);
    await this.runtime.stop(paths, context.signal);
    await rm(paths.workspace, { recursive: true, force: true });
    await rm(paths.stateDir, { recursive: true, force: true });
  }

  /** Every resource with a `resource.json` under `<home>/providers/local`. */
  async list(_context: ProviderContext<LocalConfig>): Promise<ListedResource[]> {
    let names: string[];
    try {
      names = await readdir(stateRoot(this.home));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const resources: ListedResource[] = [];
    for (const name of names.sort()) {
      if (!isSafeEnvironmentId(name)) continue;
      const paths = pathsForEnvironment(this.home, name);
      const record = await readResourceRecord(paths.resourceFile).catch((error: unknown) => {
        this.log('warn', error instanceof Error ? error.message : String(error));
        return undefined;
      });
      if (record === undefined) continue;
      const { status } = await this.statusOf(paths);
      resources.push({ resourceId: resourceIdFor(name), environmentId: record.environmentId, status });
    }
    return resources;
  }

  /** Checks that the runtime program exists and that the data dir, if it exists yet, is writable. */
  override async health(_context: ProviderContext<LocalConfig>): Promise<HealthResult> {
    try {
      await access(this.runtime.resolveRuntimeBin());
    } catch (error) {
      return { ok: false, message: error instanceof CodeboltError ? error.message : 'the runtime program does not exist' };
    }
    try {
      await access(this.home, constants.W_OK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        return { ok: false, message: `the data dir ${this.home} is not writable; fix its permissions or point CODEBOLT_HOME elsewhere` };
      }
    }
    return { ok: true };
  }

  private async statusOf(paths: LocalResourcePaths): Promise<AttachResult> {
    if (!(await isDirectory(paths.workspace))) return { status: 'gone', detail: `workspace ${paths.workspace} does not exist` };
    const { running, detail } = await this.runtime.status(paths);
    return { status: running ? 'running' : 'stopped', detail };
  }

  private async launch(paths: LocalResourcePaths, context: StartContext<LocalConfig>): Promise<void> {
    await this.runtime.launch(paths, { runtime: context.runtime, env: context.config.env, secretEnv: context.config.secretEnv, signal: context.signal });
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
