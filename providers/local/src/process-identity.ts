import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/** How often a stopping process is checked, in milliseconds. */
const POLL_INTERVAL_MS = 25;

/**
 * The start time of process `pid` as an opaque string, or `null` when no such process runs (or it
 * is a zombie). Linux: field 22 of `/proc/<pid>/stat` (clock ticks since boot), read after the
 * last `)` so a command name with spaces or parentheses cannot shift the fields. Elsewhere:
 * `ps -o stat=,lstart= -p <pid>`. Together with the pid it names one process for good: a pid
 * reused by another program has another start time.
 */
export async function readProcessStartTime(pid: number): Promise<string | null> {
  return process.platform === 'linux' ? readLinuxStartTime(pid) : readPsStartTime(pid);
}

/** Whether the process recorded as `{ pid, startTime }` is still that process and still running. */
export async function isSameProcess(record: { pid: number; startTime: string }): Promise<boolean> {
  return (await readProcessStartTime(record.pid)) === record.startTime;
}

/**
 * Polls until the recorded process is gone (exited, a zombie, or its pid taken by another
 * process). Resolves true when gone, false after `timeoutMs`. Rejects if `signal` aborts.
 */
export async function waitUntilGone(record: { pid: number; startTime: string }, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await isSameProcess(record))) return true;
    if (Date.now() >= deadline) return false;
    await delay(POLL_INTERVAL_MS, undefined, { signal });
  }
}

/** `process.kill` that treats "no such process" as done. */
export function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function readLinuxStartTime(pid: number): Promise<string | null> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return null;
    throw error;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
  const state = fields[0];
  const startTime = fields[19];
  if (state === undefined || startTime === undefined || state === 'Z' || state === 'X' || state === 'x') return null;
  return startTime;
}

function readPsStartTime(pid: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    execFile('ps', ['-o', 'stat=,lstart=', '-p', String(pid)], { env: { PATH: process.env.PATH ?? '/bin:/usr/bin', LC_ALL: 'C' } }, (error, stdout) => {
      const line = stdout.trim();
      if (line === '') {
        // ps exits 1 when no process has that pid.
        if (error && typeof error.code === 'number') resolve(null);
        else if (error) reject(error);
        else resolve(null);
        return;
      }
      const [state = '', ...started] = line.split(/\s+/);
      resolve(state.startsWith('Z') ? null : started.join(' '));
    });
  });
}
