import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { fileSystem } from './file-system.js';

/**
 * Replaces `path` with `content` atomically and durably: write a uniquely named temp file in the
 * same directory, fsync it, rename it over the target, fsync the directory. A crash or a failing
 * call at any point leaves either the old or the new content, never a torn file; a failure before
 * the rename removes the temp file (best effort) and rethrows the filesystem error unchanged.
 * Every call goes through `fileSystem` (the fault-injection seam).
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fileSystem.open(temp, 'wx', mode);
  try {
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fileSystem.rename(temp, path);
  } catch (error) {
    await fileSystem.unlink(temp).catch(() => {});
    throw error;
  }
  await fsyncDirectory(dir);
}

export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fileSystem.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
