import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CodeboltError, type FsEntry, type fsListResultSchema } from '@codebolt/protocol';
import { confinePath, type Workspace } from '../workspace/confine-path.js';
import { fsError } from '../workspace/fs-errors.js';
import type { FsListRequestData } from './request-types.js';

export type FsListResult = ReturnType<typeof fsListResultSchema.parse>;

/**
 * `fs.list`: the entries of a workspace directory, sorted by name. Symlinks are reported as
 * `symlink` (not followed) with the link's own size. Throws `path-outside-workspace`,
 * `file-not-found` or `bad-request` (not a directory).
 */
export async function listWorkspaceDirectory(workspace: Workspace, request: FsListRequestData): Promise<FsListResult> {
  const { absolute } = await confinePath(workspace, request.path, { follow: true });
  try {
    if (!(await stat(absolute)).isDirectory()) {
      throw new CodeboltError('bad-request', `'${request.path}' is not a directory; use fs.read to read a file`);
    }
    const names = (await readdir(absolute)).sort();
    const entries: FsEntry[] = [];
    for (const name of names) {
      const stats = await lstat(join(absolute, name)).catch(() => undefined);
      if (!stats) continue;
      const type = stats.isSymbolicLink() ? 'symlink' : stats.isDirectory() ? 'directory' : stats.isFile() ? 'file' : 'other';
      entries.push({ name, type, size: stats.size });
    }
    return { entries };
  } catch (error) {
    throw fsError(error, request.path);
  }
}
