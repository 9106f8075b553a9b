import { execFile } from 'node:child_process';
import { CodeboltError } from '@codebolt/protocol';

/** Longest a git command may run, in milliseconds. */
const GIT_TIMEOUT_MS = 120_000;

export interface GitResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs `git <args>` with execFile — no shell, so no argument is ever interpreted — in `cwd`, with
 * prompts disabled. Rejects with the git error (its stderr in `message`); callers turn it into a
 * `CodeboltError`.
 */
export function git(cwd: string, args: string[], signal?: AbortSignal): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd, signal, timeout: GIT_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } },
      (error, stdout, stderr) => {
        if (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
            reject(new CodeboltError('provider-error', 'git is not installed or not on PATH; install git on the relay host'));
            return;
          }
          reject(Object.assign(new Error(`git ${args[0]} failed: ${String(stderr).trim() || error.message}`), { stderr: String(stderr) }));
          return;
        }
        resolve({ stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** True when `git <args>` exits 0. */
export async function gitSucceeds(cwd: string, args: string[]): Promise<boolean> {
  return git(cwd, args).then(
    () => true,
    () => false,
  );
}
