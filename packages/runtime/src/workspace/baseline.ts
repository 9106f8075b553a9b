import { copyFile, mkdir, open, readFile, readlink, rename, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { walkTree } from './tree-walk.js';

/** Marker written (atomically) once the baseline copy is complete; without it the copy is redone. */
export const BASELINE_MARKER_FILE = 'baseline.json';
export const BASELINE_DIRECTORY = 'baseline';

/**
 * Makes sure `<stateDir>/baseline/` holds the workspace as it was when the runtime first started
 * (the reference `diff` compares against) and returns that directory. A completed baseline (its
 * marker exists) is reused as is; a half-made one is deleted and made again. Regular files are
 * copied with their mode, symlinks are recreated as symlinks, `.git` is skipped. Throws the
 * underlying file-system error, or an AbortError when `signal` aborts.
 */
export async function ensureBaseline(workspaceRoot: string, stateDir: string, signal?: AbortSignal): Promise<{ directory: string; created: boolean }> {
  const directory = join(stateDir, BASELINE_DIRECTORY);
  const marker = join(stateDir, BASELINE_MARKER_FILE);
  if (await isCompleteMarker(marker)) return { directory, created: false };
  await rm(directory, { recursive: true, force: true });
  await mkdir(directory, { recursive: true });
  const entries = await walkTree(workspaceRoot, '', signal);
  const made = new Set<string>([directory]);
  for (const [relative, entry] of entries) {
    signal?.throwIfAborted();
    const target = join(directory, relative);
    const parent = dirname(target);
    if (!made.has(parent)) {
      await mkdir(parent, { recursive: true });
      made.add(parent);
    }
    if (entry.kind === 'symlink') await symlink(await readlink(entry.absolute), target);
    else await copyFile(entry.absolute, target);
  }
  await writeAtomically(marker, `${JSON.stringify({ version: 1, workspace: workspaceRoot, files: entries.size, createdAt: new Date().toISOString() })}\n`);
  return { directory, created: true };
}

async function isCompleteMarker(marker: string): Promise<boolean> {
  try {
    const value = JSON.parse(await readFile(marker, 'utf8')) as { version?: unknown };
    return value.version === 1;
  } catch {
    return false;
  }
}

/** Writes a unique temp file, fsyncs it, renames it over `path`, then fsyncs the directory. */
async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  const directory = await open(dirname(path), 'r');
  try {
    await directory.sync();
  } catch {
    // some file systems refuse fsync on a directory; the rename is still atomic
  } finally {
    await directory.close();
  }
}
