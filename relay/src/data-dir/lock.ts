import { open, readFile, unlink } from 'node:fs/promises';
import { CodeboltError } from '@codebolt/protocol';

/** An exclusive lock on a data dir, held by one relay process. */
export interface DataDirLock {
  path: string;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<dataDir>/relay.lock` with O_EXCL. A lock left by a dead process is taken over; a lock
 * held by a live process throws `data-dir-locked` naming that process.
 */
export async function acquireLock(path: string): Promise<DataDirLock> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
      await handle.sync();
      await handle.close();
      let released = false;
      return {
        path,
        release: async () => {
          if (released) return;
          released = true;
          await unlink(path).catch(() => {});
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await readHolder(path);
      if (holder && isAlive(holder.pid)) {
        throw new CodeboltError(
          'data-dir-locked',
          `data dir is in use by relay process ${holder.pid} (lock ${path}, since ${holder.startedAt ?? 'unknown'}); stop that relay or use another --data-dir`,
        );
      }
      // Stale lock from a dead process (or unreadable): take it over.
      await unlink(path).catch(() => {});
    }
  }
  throw new CodeboltError('data-dir-locked', `could not take the lock ${path}; another relay may be starting on this data dir`);
}

async function readHolder(path: string): Promise<{ pid: number; startedAt?: string } | undefined> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as { pid?: unknown; startedAt?: string };
    return typeof value.pid === 'number' ? { pid: value.pid, startedAt: value.startedAt } : undefined;
  } catch {
    return undefined;
  }
}
