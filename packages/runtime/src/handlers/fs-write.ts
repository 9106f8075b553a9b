import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { fsWriteResultSchema } from '@codebolt/protocol';
import { confinePath, type Workspace } from '../workspace/confine-path.js';
import { fsError } from '../workspace/fs-errors.js';
import type { FsWriteRequestData } from './request-types.js';

export type FsWriteResult = ReturnType<typeof fsWriteResultSchema.parse>;

/**
 * `fs.write`: replaces (or creates) a workspace file with the given UTF-8 text or base64 bytes,
 * creating missing parent directories unless `createParents` is false. Throws
 * `path-outside-workspace` (also when an existing symlink on the way points outside),
 * `file-not-found` (missing parent with `createParents: false`) or `bad-request` (a directory).
 */
export async function writeWorkspaceFile(workspace: Workspace, request: FsWriteRequestData): Promise<FsWriteResult> {
  const { absolute } = await confinePath(workspace, request.path, { follow: true });
  const bytes = Buffer.from(request.content, request.encoding === 'base64' ? 'base64' : 'utf8');
  try {
    if (request.createParents) await mkdir(dirname(absolute), { recursive: true });
    await writeFile(absolute, bytes);
  } catch (error) {
    throw fsError(error, request.path);
  }
  return { size: bytes.length };
}
