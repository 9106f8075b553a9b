import type { Stats } from 'node:fs';
import { lstat, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CodeboltError } from '@codebolt/protocol';

/** The workspace root as given and as the OS resolves it (symlinks followed). */
export interface Workspace {
  root: string;
  realRoot: string;
}

/** Opens a workspace: resolves its real path. Throws `invalid-config` when it is not a directory. */
export async function openWorkspace(root: string): Promise<Workspace> {
  try {
    const realRoot = await realpath(root);
    if (!(await lstat(realRoot)).isDirectory()) throw new Error('not a directory');
    return { root, realRoot };
  } catch (error) {
    throw new CodeboltError('invalid-config', `workspace '${root}' is not an existing directory; create it or set CODEBOLT_WORKSPACE to one`, {
      cause: error,
    });
  }
}

/** A request path resolved lexically inside the workspace. */
export interface WorkspacePath {
  /** Absolute path under the workspace root (not symlink-resolved). */
  absolute: string;
  /** POSIX-style path relative to the root; `''` for the root itself. */
  relative: string;
}

/**
 * Resolves a request path against the workspace root: relative paths and paths with a leading
 * `/` are both taken from the root. Throws `path-outside-workspace` when `..` climbs out of it
 * and `bad-request` for a NUL byte. Does no I/O.
 */
export function resolveWorkspacePath(workspace: Workspace, requested: string): WorkspacePath {
  if (requested.includes('\0')) throw new CodeboltError('bad-request', 'path contains a NUL byte');
  const absolute = resolve(workspace.root, requested.replace(/^\/+/, '') || '.');
  const fromRoot = relative(workspace.root, absolute);
  if (escapes(fromRoot)) throw outside(requested);
  return { absolute, relative: fromRoot.split(sep).join('/') };
}

/**
 * Resolves a request path and checks where it really lands once symlinks are followed: the
 * path itself (`follow: true`, for reads, writes, listings, exec cwd), or only its parent
 * directory (`follow: false`, for removal, which acts on a symlink itself, not its target). For
 * paths that do not exist yet the deepest existing ancestor decides. Throws
 * `path-outside-workspace` for `..` or symlink escapes.
 */
export async function confinePath(workspace: Workspace, requested: string, options: { follow: boolean }): Promise<WorkspacePath> {
  const resolved = resolveWorkspacePath(workspace, requested);
  const real = options.follow
    ? await realLocation(resolved.absolute)
    : resolved.relative === ''
      ? workspace.realRoot
      : join(await realLocation(dirname(resolved.absolute)), basename(resolved.absolute));
  if (escapes(relative(workspace.realRoot, real))) throw outside(requested);
  return resolved;
}

const MAX_SYMLINK_HOPS = 40;

/**
 * The path the OS reaches for `absolute`, following every symlink, including a dangling one at
 * the end or symlinks above a tail that does not exist yet.
 */
async function realLocation(absolute: string, hops = 0): Promise<string> {
  let existing = absolute;
  const missing: string[] = [];
  let stats = await lstatIfExists(existing);
  while (!stats) {
    const parent = dirname(existing);
    if (parent === existing) return absolute;
    missing.unshift(basename(existing));
    existing = parent;
    stats = await lstatIfExists(existing);
  }
  if (stats.isSymbolicLink()) {
    if (hops >= MAX_SYMLINK_HOPS) throw symlinkLoop();
    const target = resolve(dirname(existing), await readlink(existing));
    return realLocation(join(target, ...missing), hops + 1);
  }
  return join(await realpath(existing), ...missing);
}

async function lstatIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') throw symlinkLoop();
    throw error;
  }
}

function symlinkLoop(): CodeboltError {
  return new CodeboltError('bad-request', 'the path runs into a symlink loop (too many levels of symbolic links)');
}

function escapes(fromRoot: string): boolean {
  return fromRoot === '..' || fromRoot.startsWith(`..${sep}`) || isAbsolute(fromRoot);
}

function outside(requested: string): CodeboltError {
  return new CodeboltError(
    'path-outside-workspace',
    `'${requested}' resolves outside the workspace; paths are relative to the workspace root and may not leave it by '..' or a symlink`,
  );
}
