import { open } from 'node:fs/promises';
import { CodeboltError, type fsReadResultSchema } from '@codebolt/protocol';
import { confinePath, type Workspace } from '../workspace/confine-path.js';
import { fsError } from '../workspace/fs-errors.js';
import type { FsReadRequestData } from './request-types.js';

/** Largest file fs.read returns, in bytes: 32 MiB (base64 of it still fits a 64 MiB frame). */
export const MAX_READ_BYTES = 32 * 1024 * 1024;

export type FsReadResult = ReturnType<typeof fsReadResultSchema.parse>;

/**
 * `fs.read`: the content of a workspace file as UTF-8 text or base64. Throws
 * `path-outside-workspace`, `file-not-found`, `bad-request` (a directory) or `payload-too-large`.
 */
export async function readWorkspaceFile(workspace: Workspace, request: FsReadRequestData): Promise<FsReadResult> {
  const { absolute } = await confinePath(workspace, request.path, { follow: true });
  try {
    const handle = await open(absolute, 'r');
    try {
      const stats = await handle.stat();
      if (stats.isDirectory()) throw new CodeboltError('bad-request', `'${request.path}' is a directory; use fs.list to read it`);
      if (stats.size > MAX_READ_BYTES) {
        throw new CodeboltError(
          'payload-too-large',
          `'${request.path}' is ${stats.size} bytes; fs.read returns at most ${MAX_READ_BYTES} bytes (32 MiB); read it with exec (e.g. split or head) instead`,
        );
      }
      const bytes = await handle.readFile();
      return { content: bytes.toString(request.encoding === 'base64' ? 'base64' : 'utf8'), encoding: request.encoding, size: bytes.length };
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw fsError(error, request.path);
  }
}
