/**
 * Test support: runs the built `codebolt` bin (dist/bin.js) as a child process with a clean
 * environment, and a temp directory to serve as cwd and HOME. Everything is removed by cleanup().
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'bin.js');

export interface BinResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  /** Temp dir used as cwd (so ./.codebolt is inside it). */
  cwd: string;
  /** Temp dir used as HOME (so ~/.config/codebolt/config.json is inside it). */
  home: string;
  run(args: string[], options?: { env?: Record<string, string> }): Promise<BinResult>;
  /** Starts the bin and returns the child (for long-running commands); it is killed in cleanup. */
  start(args: string[], options?: { env?: Record<string, string> }): ChildProcess;
  cleanup(): Promise<void>;
}

export async function createSandbox(): Promise<Sandbox> {
  if (!existsSync(BIN_PATH)) throw new Error(`${BIN_PATH} is missing; run \`pnpm build\` in packages/cli first`);
  const cwd = await mkdtemp(join(tmpdir(), 'codebolt-cli-cwd-'));
  const home = await mkdtemp(join(tmpdir(), 'codebolt-cli-home-'));
  const children = new Set<ChildProcess>();

  const start = (args: string[], options: { env?: Record<string, string> } = {}): ChildProcess => {
    const child = spawn(process.execPath, [BIN_PATH, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: home, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };

  return {
    cwd,
    home,
    start,
    run(args, options) {
      const child = start(args, options);
      let stdout = '';
      let stderr = '';
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      return new Promise((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
      });
    },
    async cleanup() {
      for (const child of children) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      await rm(cwd, { recursive: true });
      await rm(home, { recursive: true });
    },
  };
}
