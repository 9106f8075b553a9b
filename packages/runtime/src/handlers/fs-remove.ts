import { lstat, rm, rmdir } from 'node:fs/promises';
import { CodeboltError } from '@codebolt/protocol';
import { confinePath, type Workspace } from '../workspace/confine-path.js';
import { fsError } from '../workspace/fs-errors.js';
import type { FsRemoveRequestData } from './request-types.js';

/**
 * `fs.remove`: deletes a file, a symlink (never its target), an empty directory, or with
 * `recursive: true` a directory tree. Throws `path-outside-workspace`, `file-not-found`,
 * `conflict` (a non-empty directory without `recursive`) or `bad-request` (the workspace root).
 */
export async function removeWorkspacePath(workspace: Workspace, request: FsRemoveRequestData): Promise<Record<string, never>> {
  const { absolute, relative } = await confinePath(workspace, request.path, { follow: false });
  if (relative === '') throw new CodeboltError('bad-request', 'refusing to remove the workspace root; remove the entries inside it instead');
  try {
    const stats = await lstat(absolute);
    if (stats.isDirectory() && !request.recursive) await rmdir(absolute);
    else await rm(absolute, { recursive: request.recursive });
  } catch (error) {
    throw fsError(error, request.path);
  }
  return {};
}
