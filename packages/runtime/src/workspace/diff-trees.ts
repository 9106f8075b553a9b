import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { FILE_HEADERS_ONLY, createTwoFilesPatch } from 'diff';
import { walkTree, type TreeEntry } from './tree-walk.js';

/** Files larger than this (bytes) are compared by hash and reported without a text diff: 8 MiB. */
export const MAX_TEXT_DIFF_BYTES = 8 * 1024 * 1024;
/** Bytes inspected for a NUL to call a file binary (as git does). */
const BINARY_SNIFF_BYTES = 8000;
/** Time jsdiff may spend on one file before it is reported without a text diff, in milliseconds. */
const FILE_DIFF_TIMEOUT_MS = 5_000;

export type DiffStatus = 'added' | 'modified' | 'deleted';

export interface TreeDiff {
  /** Unified, git-style text of every change, in path order. */
  diff: string;
  files: Array<{ path: string; status: DiffStatus }>;
}

/**
 * Compares the tree under `join(before, subPath)` with the one under `join(after, subPath)` and
 * returns the changed paths (relative to the tree roots, sorted) and a git-style unified diff:
 * `diff --git a/p b/p`, mode lines for added and deleted files, `--- a/p` / `+++ b/p` headers
 * with `/dev/null` for the missing side, `Binary files … differ` for files with a NUL byte in
 * their first 8000 bytes, and `Files … differ` for files over 8 MiB. Symlinks compare by target.
 */
export async function diffTrees(before: string, after: string, subPath = '', signal?: AbortSignal): Promise<TreeDiff> {
  const [old, current] = await Promise.all([walkTree(before, subPath, signal), walkTree(after, subPath, signal)]);
  const paths = [...new Set([...old.keys(), ...current.keys()])].sort(comparePaths);
  const files: TreeDiff['files'] = [];
  const parts: string[] = [];
  for (const path of paths) {
    signal?.throwIfAborted();
    const oldEntry = old.get(path);
    const newEntry = current.get(path);
    if (oldEntry && newEntry && (await sameEntry(oldEntry, newEntry))) continue;
    const status: DiffStatus = !oldEntry ? 'added' : !newEntry ? 'deleted' : 'modified';
    files.push({ path, status });
    parts.push(await describeChange(path, oldEntry, newEntry));
  }
  return { diff: parts.join(''), files };
}

function comparePaths(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

async function sameEntry(left: TreeEntry, right: TreeEntry): Promise<boolean> {
  if (left.kind !== right.kind || gitMode(left) !== gitMode(right)) return false;
  if (left.kind === 'symlink') return (await readlink(left.absolute)) === (await readlink(right.absolute));
  if (left.size !== right.size) return false;
  if (left.size <= MAX_TEXT_DIFF_BYTES) return (await readFile(left.absolute)).equals(await readFile(right.absolute));
  return (await hashFile(left.absolute)) === (await hashFile(right.absolute));
}

async function describeChange(path: string, oldEntry: TreeEntry | undefined, newEntry: TreeEntry | undefined): Promise<string> {
  const oldName = oldEntry ? `a/${path}` : '/dev/null';
  const newName = newEntry ? `b/${path}` : '/dev/null';
  let header = `diff --git a/${path} b/${path}\n`;
  if (!oldEntry && newEntry) header += `new file mode ${gitMode(newEntry)}\n`;
  else if (oldEntry && !newEntry) header += `deleted file mode ${gitMode(oldEntry)}\n`;
  else if (oldEntry && newEntry && gitMode(oldEntry) !== gitMode(newEntry)) header += `old mode ${gitMode(oldEntry)}\nnew mode ${gitMode(newEntry)}\n`;
  if ((oldEntry?.size ?? 0) > MAX_TEXT_DIFF_BYTES || (newEntry?.size ?? 0) > MAX_TEXT_DIFF_BYTES) {
    return `${header}Files ${oldName} and ${newName} differ (larger than ${MAX_TEXT_DIFF_BYTES} bytes; no text diff)\n`;
  }
  const [oldBytes, newBytes] = await Promise.all([contentOf(oldEntry), contentOf(newEntry)]);
  if (oldEntry && newEntry && oldBytes.equals(newBytes)) return header;
  if (isBinary(oldBytes) || isBinary(newBytes)) return `${header}Binary files ${oldName} and ${newName} differ\n`;
  const patch = createTwoFilesPatch(oldName, newName, oldBytes.toString('utf8'), newBytes.toString('utf8'), undefined, undefined, {
    headerOptions: FILE_HEADERS_ONLY,
    timeout: FILE_DIFF_TIMEOUT_MS,
  });
  if (patch === undefined) return `${header}Files ${oldName} and ${newName} differ (too many changes for a text diff)\n`;
  return header + patch;
}

async function contentOf(entry: TreeEntry | undefined): Promise<Buffer> {
  if (!entry) return Buffer.alloc(0);
  if (entry.kind === 'symlink') return Buffer.from(await readlink(entry.absolute));
  return readFile(entry.absolute);
}

function isBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

function gitMode(entry: TreeEntry): string {
  if (entry.kind === 'symlink') return '120000';
  return (entry.mode & 0o111) !== 0 ? '100755' : '100644';
}

function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}
