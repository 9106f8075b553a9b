import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { CodeboltError } from '@codebolt/protocol';
import type { ProviderLogLevel, RuntimeConnect } from '@codebolt/provider';
import { isSameProcess, sendSignal, waitUntilGone } from './process-identity.js';
import { resolveDefaultRuntimeBin } from './runtime-bin.js';
import { buildRuntimeEnv } from './runtime-env.js';
import { launchRuntime } from './runtime-launch.js';
import { readRuntimeRecord, writeJsonAtomic, type RuntimeRecord } from './state-files.js';

/** Where one runtime process runs and keeps its records. All paths are absolute. */
export interface RuntimePaths {
  /** The runtime's workspace root and working directory (`CODEBOLT_WORKSPACE`). */
  workspace: string;
  /** `runtime.json`: `{ pid, startTime, instance }` of the launched runtime. */
  runtimeFile: string;
  /** The runtime's own state (`CODEBOLT_RUNTIME_STATE_DIR`), outside the workspace. */
  runtimeStateDir: string;
  /** Where the runtime's stdout and stderr are appended. */
  logFile: string;
}

export interface LocalRuntimeSettings {
  /** The runtime program, run as `node <runtimeBin>`. Default: `@codebolt/runtime`'s `dist/bin.js`, resolved when first needed. */
  runtimeBin?: string | undefined;
  /** How long a stop waits for the runtime to exit after SIGTERM (and after SIGKILL), in ms. */
  stopTimeoutMs: number;
  /** Where warnings go (the provider's `log`). */
  log(level: ProviderLogLevel, message: string): void;
}

/**
 * A runtime as a detached local process, shared by the providers whose resource is a directory
 * on this machine (local, worktree). The process is identified by pid and start time (kept in
 * `runtime.json`), so a reused pid is never mistaken for it; its environment is scrubbed (see
 * `buildRuntimeEnv`) and the token travels only in it, never in argv.
 */
export class LocalRuntime {
  private runtimeBin: string | undefined;

  constructor(private readonly settings: LocalRuntimeSettings) {
    this.runtimeBin = settings.runtimeBin;
  }

  /** Whether the recorded runtime still runs, with a short detail for `attach`. */
  async status(paths: RuntimePaths): Promise<{ running: boolean; detail: string }> {
    const runtime = await readRuntimeRecord(paths.runtimeFile);
    if (runtime !== undefined && (await isSameProcess(runtime))) return { running: true, detail: `runtime pid ${runtime.pid}` };
    return { running: false, detail: runtime === undefined ? 'no runtime launched' : `runtime pid ${runtime.pid} is not running` };
  }

  /** Replaces any runtime still running there with a new one that dials `runtime` with its token. */
  async launch(paths: RuntimePaths, options: { runtime: RuntimeConnect; env?: unknown; secretEnv?: unknown; signal: AbortSignal }): Promise<void> {
    await this.stop(paths, options.signal);
    await mkdir(paths.runtimeStateDir, { recursive: true });
    const instance = randomUUID();
    const env = buildRuntimeEnv({
      parentEnv: process.env,
      env: options.env,
      secretEnv: options.secretEnv,
      runtime: options.runtime,
      workspace: paths.workspace,
      runtimeStateDir: paths.runtimeStateDir,
      instance,
    });
    const { pid, startTime } = await launchRuntime({ runtimeBin: this.resolveRuntimeBin(), workspace: paths.workspace, logFile: paths.logFile, env });
    const record: RuntimeRecord = { pid, startTime, instance };
    await writeJsonAtomic(paths.runtimeFile, record);
  }

  /** Ends the recorded runtime: SIGTERM, then SIGKILL to its process group. Throws `timeout` when it survives both. */
  async stop(paths: RuntimePaths, signal: AbortSignal): Promise<void> {
    const runtime = await readRuntimeRecord(paths.runtimeFile);
    if (runtime === undefined) return;
    const { stopTimeoutMs } = this.settings;
    if (await isSameProcess(runtime)) {
      sendSignal(runtime.pid, 'SIGTERM');
      if (!(await waitUntilGone(runtime, stopTimeoutMs, signal))) {
        this.settings.log('warn', `runtime pid ${runtime.pid} did not exit ${stopTimeoutMs} ms after SIGTERM; sending SIGKILL to its process group`);
        sendSignal(-runtime.pid, 'SIGKILL');
        if (!(await waitUntilGone(runtime, stopTimeoutMs, signal))) {
          throw new CodeboltError('timeout', `runtime pid ${runtime.pid} did not exit after SIGKILL within ${stopTimeoutMs} ms; check the process (ps -p ${runtime.pid})`);
        }
      }
    }
    await rm(paths.runtimeFile, { force: true });
  }

  /** The runtime program's path; throws when `@codebolt/runtime` cannot be resolved. */
  resolveRuntimeBin(): string {
    this.runtimeBin ??= resolveDefaultRuntimeBin();
    return this.runtimeBin;
  }
}
