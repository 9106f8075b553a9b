import { spawn } from 'node:child_process';
import { access, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CodeboltError } from '@codebolt/protocol';
import { readProcessStartTime } from './process-identity.js';

export interface RuntimeLaunch {
  /** Absolute path of the runtime program, run with this Node (`process.execPath`). */
  runtimeBin: string;
  /** Working directory of the runtime. */
  workspace: string;
  /** The runtime's stdout and stderr are appended here (the directory is created). */
  logFile: string;
  /** The runtime's whole environment; it carries the token, never argv. */
  env: Record<string, string>;
}

/**
 * Starts the runtime as a detached process (its own process group, so a stop can kill what it
 * spawned) that outlives the provider, and returns its pid and start time. Throws
 * `provider-error` when the program is missing and `runtime-exited` when it died at once.
 */
export async function launchRuntime(launch: RuntimeLaunch): Promise<{ pid: number; startTime: string }> {
  try {
    await access(launch.runtimeBin);
  } catch (error) {
    throw new CodeboltError('provider-error', `the runtime program ${launch.runtimeBin} does not exist; build @codebolt/runtime (pnpm build) or fix runtimeBin`, {
      cause: error,
    });
  }
  await mkdir(dirname(launch.logFile), { recursive: true });
  const log = await open(launch.logFile, 'a', 0o600);
  let pid: number;
  try {
    const child = spawn(process.execPath, [launch.runtimeBin], {
      cwd: launch.workspace,
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      env: launch.env,
    });
    child.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    }).catch((error: Error) => {
      throw new CodeboltError('provider-error', `could not start the runtime: ${error.message}`, { cause: error });
    });
    child.unref();
    pid = child.pid!;
  } finally {
    await log.close();
  }
  const startTime = await readProcessStartTime(pid);
  if (startTime === null) {
    throw new CodeboltError('runtime-exited', `the runtime exited right after it was launched; see ${launch.logFile}`);
  }
  return { pid, startTime };
}
