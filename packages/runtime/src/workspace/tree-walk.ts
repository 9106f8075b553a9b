import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Directory names never walked: version-control metadata is not workspace content. */
export const SKIPPED_DIRECTORY_NAMES: ReadonlySet<string> = new Set(['.git']);

/** A regular file or a symlink found by walkTree. */
export interface TreeEntry {
  kind: 'file' | 'symlink';
  /** Absolute path on disk. */
  absolute: string;
  /** Permission bits and type, as lstat reports them. */
  mode: number;
  size: number;
}

/**
 * Lists the regular files and symlinks under `join(base, subPath)` (the start may itself be a
 * file), keyed by POSIX path relative to `base`. Symlinks are entries, never followed; sockets,
 * FIFOs and devices are skipped, and so is every `.git` directory. A missing start gives an
 * empty map. Throws an AbortError when `signal` aborts.
 */
export async function walkTree(base: string, subPath = '', signal?: AbortSignal): Promise<Map<string, TreeEntry>> {
  const entries = new Map<string, TreeEntry>();
  const start = subPath === '' ? base : join(base, subPath);
  const stats = await lstatIfExists(start);
  if (stats) await visit(start, subPath, stats, entries, signal);
  return entries;
}

async function visit(absolute: string, relative: string, stats: Stats, entries: Map<string, TreeEntry>, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  if (stats.isSymbolicLink() || stats.isFile()) {
    entries.set(relative, { kind: stats.isFile() ? 'file' : 'symlink', absolute, mode: stats.mode, size: stats.size });
    return;
  }
  if (!stats.isDirectory()) return;
  const names = await readdir(absolute).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [] as string[];
    throw error;
  });
  for (const name of names) {
    if (SKIPPED_DIRECTORY_NAMES.has(name)) continue;
    const child = join(absolute, name);
    const childStats = await lstatIfExists(child);
    if (childStats) await visit(child, relative === '' ? name : `${relative}/${name}`, childStats, entries, signal);
  }
}

async function lstatIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
