import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';

/** Name of the file beside a provider's log that holds the pid of its live process. */
export const PROVIDER_PID_FILE = 'provider.pid';

/** How long a killed stale provider gets to disappear before the relay goes on anyway, ms. */
const REAP_WAIT_MS = 5_000;

/**
 * Called on relay start, before reconciling: kills provider processes that a previous relay of
 * this data dir left alive (it was killed, and its provider has not yet noticed the closed stdin,
 * or ignores it), so the new relay never runs two providers for one environment. A pid from
 * `logs/<envId>/provider.pid` is killed (SIGKILL) only when that process's environment shows it
 * is that environment's provider for this data dir (`CODEBOLT_ENV_ID`, `CODEBOLT_HOME`), so a
 * reused pid is never touched; where that cannot be read (no /proc), nothing is killed. Returns
 * the pids killed. Never throws.
 */
export async function reapStaleProviders(dataDir: string, logger: Logger): Promise<number[]> {
  const killed: number[] = [];
  let environmentIds: string[];
  try {
    environmentIds = await readdir(join(dataDir, 'logs'));
  } catch {
    return killed;
  }
  for (const environmentId of environmentIds) {
    const pidPath = join(dataDir, 'logs', environmentId, PROVIDER_PID_FILE);
    let pid: number;
    try {
      pid = Number.parseInt(await readFile(pidPath, 'utf8'), 10);
    } catch {
      continue;
    }
    if (Number.isInteger(pid) && pid > 0 && (await isProviderOf(pid, environmentId, dataDir))) {
      try {
        process.kill(pid, 'SIGKILL');
        killed.push(pid);
        logger.warn('killed a provider process left by a previous relay', { environmentId, pid });
      } catch {
        // gone meanwhile
      }
    }
    await rm(pidPath, { force: true });
  }
  const deadline = Date.now() + REAP_WAIT_MS;
  for (const pid of killed) {
    while (Date.now() < deadline && (await isLive(pid))) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return killed;
}

async function isProviderOf(pid: number, environmentId: string, dataDir: string): Promise<boolean> {
  try {
    const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
    return environ.includes(`CODEBOLT_ENV_ID=${environmentId}`) && environ.includes(`CODEBOLT_HOME=${dataDir}`) && (await isLive(pid));
  } catch {
    return false;
  }
}

async function isLive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
