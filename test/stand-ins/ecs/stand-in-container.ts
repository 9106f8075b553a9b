// STAND-IN, NOT AWS: the "container" of a task run by the ECS stand-in server. It is a real
// Codebolt runtime process (node packages/runtime/dist/bin.js) in a fresh temp dir that plays the
// container's filesystem; it gets the task definition's environment with the RunTask container
// overrides on top, exactly as ECS merges them, and dies with the task.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The runtime program the stand-in's containers run. */
export const RUNTIME_BIN = fileURLToPath(new URL('../../../packages/runtime/dist/bin.js', import.meta.url));

const MAX_OUTPUT_CHARS = 64 * 1024;

export class StandInContainer {
  /** The process's stdout and stderr, bounded (for a failing test's message; the runtime never prints its token). */
  output = '';
  exitCode: number | null = null;
  readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly root: string,
  ) {
    const capture = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-MAX_OUTPUT_CHARS);
    };
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    this.exited = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        this.exitCode = code ?? (signal === 'SIGKILL' ? 137 : 143);
        resolve();
      }),
    );
  }

  /** Makes the container's filesystem and starts the runtime with `environment` (task definition env < overrides). */
  static async start(environment: Record<string, string>): Promise<StandInContainer> {
    const root = await mkdtemp(join(tmpdir(), 'codebolt-ecs-stand-in-task-'));
    const workspace = join(root, 'workspace');
    await mkdir(workspace, { recursive: true });
    const child = spawn(process.execPath, [RUNTIME_BIN], {
      cwd: workspace,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: workspace,
        CODEBOLT_WORKSPACE: workspace,
        CODEBOLT_RUNTIME_STATE_DIR: join(root, 'runtime-state'),
        ...environment,
      },
    });
    child.on('error', () => {});
    return new StandInContainer(child, root);
  }

  get running(): boolean {
    return this.exitCode === null;
  }

  /** `docker stop` semantics: SIGTERM, SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs: number): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills the process as an OOM kill or a crash would (exit 137), without ECS being asked. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Removes the container's filesystem (a stopped task keeps nothing). */
  async remove(): Promise<void> {
    if (this.running) await this.kill();
    await rm(this.root, { recursive: true, force: true });
  }
}

