import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute } from 'node:path';
import { CodeboltError } from '@codebolt/protocol';
import {
  BaseProvider,
  parseProviderConfig,
  type AttachResult,
  type CreateResult,
  type FileRequest,
  type HealthResult,
  type ListedResource,
  type ProviderContext,
  type ResourceContext,
  type StartContext,
} from '@codebolt/provider';
import { LocalRuntime, isSafeEnvironmentId, writeJsonAtomic } from '@codebolt/provider-local';
import { serveFileRequest } from '@codebolt/runtime';
import packageJson from '../package.json' with { type: 'json' };
import { git, gitSucceeds } from './git.js';
import { worktreeConfigSchema, type ResolvedWorktreeConfig, type WorktreeConfig } from './worktree-config.js';
import { pathsForEnvironment, pathsForResource, resourceIdFor, stateRoot, type WorktreePaths } from './worktree-paths.js';
import { readWorktreeRecord, type WorktreeRecord } from './worktree-record.js';

/** Default wait for a runtime to exit after SIGTERM (and again after SIGKILL), in milliseconds. */
export const DEFAULT_STOP_TIMEOUT_MS = 5_000;

export interface WorktreeProviderSettings {
  /** The data dir (`CODEBOLT_HOME`), absolute. Worktrees live in `<home>/workspaces/<envId>`. */
  home: string;
  /** The runtime program, run as `node <runtimeBin>`. Default: `@codebolt/runtime`'s `dist/bin.js`. */
  runtimeBin?: string;
  /** How long a stop waits for the runtime to exit, in ms. Default 5000. */
  stopTimeoutMs?: number;
}

/**
 * A git worktree per environment: `git worktree add -b <branch> <home>/workspaces/<envId> <ref>`
 * from the configured repository, on its own branch (default `codebolt/<envId>`), with the
 * runtime as a detached local process in it (shared with the local provider). resourceId =
 * `worktree-<envId>`. stop ends the runtime and keeps the worktree; destroy removes the worktree
 * and, unless `keepBranch`, the branch. git always runs through execFile, never a shell, and
 * every ref and branch name is checked before it reaches git.
 */
export class WorktreeProvider extends BaseProvider<WorktreeConfig> {
  readonly name = 'worktree';
  readonly version: string = packageJson.version;
  private readonly home: string;
  private readonly runtime: LocalRuntime;

  /** Throws `invalid-config` when `home` is not absolute or `stopTimeoutMs` is not positive. Does no I/O. */
  constructor(settings: WorktreeProviderSettings) {
    super();
    if (!isAbsolute(settings.home)) {
      throw new CodeboltError('invalid-config', `the worktree provider's home must be an absolute path (CODEBOLT_HOME), got "${settings.home}"`);
    }
    const stopTimeoutMs = settings.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    if (!Number.isFinite(stopTimeoutMs) || stopTimeoutMs <= 0) {
      throw new CodeboltError('invalid-config', `stopTimeoutMs must be a positive number of milliseconds, got ${stopTimeoutMs}`);
    }
    this.home = settings.home;
    this.runtime = new LocalRuntime({ runtimeBin: settings.runtimeBin, stopTimeoutMs, log: (level, message) => this.log(level, message) });
  }

  /**
   * Adds the worktree on a new branch and launches the runtime in it. Idempotent for one creation
   * token. Throws `invalid-config` for a repo, ref or branch git refuses, and `conflict` when the
   * branch or the workspace already exists without being this environment's.
   */
  async create(context: StartContext<WorktreeConfig>): Promise<CreateResult> {
    const config = this.parse(context.config);
    const paths = pathsForEnvironment(this.home, context.environment.id);
    const existing = await readWorktreeRecord(paths.resourceFile);
    if (existing !== undefined && existing.creationToken !== context.creationToken) {
      throw new CodeboltError('conflict', `worktree ${paths.workspace} already belongs to another creation of environment ${paths.environmentId}; delete that environment first (codebolt env delete ${paths.environmentId})`);
    }
    if (existing === undefined || !(await isDirectory(paths.workspace))) {
      const record = await this.prepare(config, paths, context.creationToken, existing);
      await mkdir(paths.stateDir, { recursive: true });
      await writeJsonAtomic(paths.resourceFile, record);
      try {
        await mkdir(dirname(paths.workspace), { recursive: true });
        const commit = (await git(config.repo, ['rev-parse', '--verify', '--quiet', `${config.ref}^{commit}`])).stdout.trim();
        await git(config.repo, ['worktree', 'add', '-b', record.branch, paths.workspace, commit]);
      } catch (error) {
        await rm(paths.stateDir, { recursive: true, force: true });
        throw new CodeboltError('provider-error', `could not add the worktree ${paths.workspace}: ${(error as Error).message}`, { cause: error });
      }
    }
    await this.runtime.launch(paths, { runtime: context.runtime, env: config.env, secretEnv: config.secretEnv, signal: context.signal });
    return { resourceId: resourceIdFor(paths.environmentId) };
  }

  /** Launches the runtime in the existing worktree; throws `resource-gone` when the worktree is missing. */
  async start(resourceId: string, context: StartContext<WorktreeConfig>): Promise<void> {
    const config = this.parse(context.config);
    const paths = pathsForResource(this.home, resourceId);
    if ((await readWorktreeRecord(paths.resourceFile)) === undefined || !(await isDirectory(paths.workspace))) {
      throw new CodeboltError('resource-gone', `worktree ${paths.workspace} no longer exists; delete the environment (codebolt env delete ${paths.environmentId}) and create it again`);
    }
    await this.runtime.launch(paths, { runtime: context.runtime, env: config.env, secretEnv: config.secretEnv, signal: context.signal });
  }

  async attach(resourceId: string, _context: ResourceContext<WorktreeConfig>): Promise<AttachResult> {
    return this.statusOf(pathsForResource(this.home, resourceId));
  }

  /** Ends the runtime; the worktree and its branch stay. */
  async stop(resourceId: string, context: ResourceContext<WorktreeConfig>): Promise<void> {
    await this.runtime.stop(pathsForResource(this.home, resourceId), context.signal);
  }

  /** Ends the runtime, removes the worktree (`git worktree remove --force`) and, unless `keepBranch`, its branch. Succeeds when already gone. */
  async destroy(resourceId: string, context: ResourceContext<WorktreeConfig>): Promise<void> {
    const paths = pathsForResource(this.home, resourceId);
    await this.runtime.stop(paths, context.signal);
    const record = await readWorktreeRecord(paths.resourceFile);
    if (record !== undefined && (await isDirectory(record.repo))) {
      if (await isDirectory(paths.workspace)) {
        await git(record.repo, ['worktree', 'remove', '--force', paths.workspace]).catch(async () => rm(paths.workspace, { recursive: true, force: true }));
      }
      await git(record.repo, ['worktree', 'prune']);
      if (!record.keepBranch && (await gitSucceeds(record.repo, ['show-ref', '--verify', '--quiet', `refs/heads/${record.branch}`]))) {
        await git(record.repo, ['branch', '-D', record.branch]);
      }
    }
    await rm(paths.workspace, { recursive: true, force: true });
    await rm(paths.stateDir, { recursive: true, force: true });
  }

  /** Every resource with a `resource.json` under `<home>/providers/worktree`. */
  async list(_context: ProviderContext<WorktreeConfig>): Promise<ListedResource[]> {
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
      const record = await readWorktreeRecord(paths.resourceFile);
      if (record === undefined) continue;
      const { status } = await this.statusOf(paths);
      resources.push({ resourceId: resourceIdFor(name), environmentId: record.environmentId, status });
    }
    return resources;
  }

  /**
   * Capability `files`: answers fs.read, fs.list and diff from the worktree on disk while the
   * environment is stopped, exactly as its runtime would (same code), against the runtime's baseline.
   */
  override async files(resourceId: string, request: FileRequest, context: ResourceContext<WorktreeConfig>): Promise<unknown> {
    const paths = pathsForResource(this.home, resourceId);
    if (!(await isDirectory(paths.workspace))) {
      throw new CodeboltError('resource-gone', `worktree ${paths.workspace} no longer exists; delete the environment (codebolt env delete ${paths.environmentId})`);
    }
    return serveFileRequest({ workspace: paths.workspace, stateDir: paths.runtimeStateDir }, request.type, request.data, context.signal);
  }

  /** Checks that git runs and, when the config names one, that the repository is usable. */
  override async health(context: ProviderContext<WorktreeConfig>): Promise<HealthResult> {
    try {
      await git(this.home.startsWith('/') ? '/' : this.home, ['--version']);
      if (context.config.repo !== undefined) await this.checkRepo(this.parse(context.config).repo);
      return { ok: true };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }

  private parse(config: unknown): ResolvedWorktreeConfig {
    return parseProviderConfig(worktreeConfigSchema, config, this.name);
  }

  private async checkRepo(repo: string): Promise<void> {
    if (!(await isDirectory(repo)) || !(await gitSucceeds(repo, ['rev-parse', '--git-dir']))) {
      throw new CodeboltError('invalid-config', `invalid config for provider "worktree": repo: ${repo} is not a git repository; set --config repo=/absolute/path/to/repo`);
    }
  }

  /** Checks repo, ref and branch with git itself; returns the record to write. */
  private async prepare(config: ResolvedWorktreeConfig, paths: WorktreePaths, creationToken: string, existing: WorktreeRecord | undefined): Promise<WorktreeRecord> {
    await this.checkRepo(config.repo);
    if (!(await gitSucceeds(config.repo, ['rev-parse', '--verify', '--quiet', `${config.ref}^{commit}`]))) {
      throw new CodeboltError('invalid-config', `invalid config for provider "worktree": ref: "${config.ref}" is not a commit, branch or tag of ${config.repo}; set --config ref=<commit|branch|tag>`);
    }
    const branch = config.branch ?? `codebolt/${paths.environmentId}`;
    if (!(await gitSucceeds(config.repo, ['check-ref-format', '--branch', branch]))) {
      throw new CodeboltError('invalid-config', `invalid config for provider "worktree": branch: "${branch}" is not a valid branch name; set --config branch=<name>`);
    }
    if (existing === undefined && (await gitSucceeds(config.repo, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`]))) {
      throw new CodeboltError('conflict', `branch ${branch} already exists in ${config.repo}; pick another with --config branch=<name>, or delete it (git branch -D ${branch})`);
    }
    if (existing === undefined && (await isDirectory(paths.workspace))) {
      throw new CodeboltError('conflict', `workspace ${paths.workspace} already exists but was not made by the worktree provider; move it away or remove it, then create the environment again`);
    }
    return { environmentId: paths.environmentId, creationToken, repo: config.repo, branch, keepBranch: config.keepBranch, createdAt: existing?.createdAt ?? new Date().toISOString() };
  }

  private async statusOf(paths: WorktreePaths): Promise<AttachResult> {
    if (!(await isDirectory(paths.workspace))) return { status: 'gone', detail: `worktree ${paths.workspace} does not exist` };
    const { running, detail } = await this.runtime.status(paths);
    return { status: running ? 'running' : 'stopped', detail };
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
