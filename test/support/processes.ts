import { readFile } from 'node:fs/promises';

/** True when a process with this pid exists and is not a zombie. */
export async function isProcessAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `check` until it returns a truthy value (bounded); the bound is generous for loaded CI machines. */
export async function eventually<T>(check: () => Promise<T> | T, what: string, timeoutMs = 60_000, intervalMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** Pids of live processes whose CODEBOLT_WORKSPACE is `workspace`, or under `root` when `prefix` is set. */
export async function runtimeProcessesUnder(root: string, exact = false): Promise<number[]> {
  const { readdir } = await import('node:fs/promises');
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = (await readFile(`/proc/${entry}/environ`, 'utf8')).split('\0');
      const workspace = environ.find((line) => line.startsWith('CODEBOLT_WORKSPACE='))?.slice('CODEBOLT_WORKSPACE='.length);
      if (workspace === undefined) continue;
      const matches = exact ? workspace === root : workspace.startsWith(`${root}/`);
      if (matches && (await isProcessAlive(Number(entry)))) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile, or is not ours to read
    }
  }
  return pids;
}
