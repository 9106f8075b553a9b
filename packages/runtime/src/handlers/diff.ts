import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { CodeboltError, type DiffResult } from '@codebolt/protocol';
import { confinePath, type Workspace } from '../workspace/confine-path.js';
import { diffTrees } from '../workspace/diff-trees.js';
import type { DiffRequestData } from './request-types.js';

/** Largest diff text returned, in bytes: 48 MiB (the answer must fit a 64 MiB frame). */
export const MAX_DIFF_BYTES = 48 * 1024 * 1024;

/**
 * `diff`: the workspace against its baseline (its state when the runtime first started), as a
 * git-style unified diff plus the changed files sorted by path; `path` narrows it to a file or
 * subtree. Throws `path-outside-workspace`, `file-not-found` (the path exists on neither side)
 * or `payload-too-large`.
 */
export async function diffWorkspace(
  workspace: Workspace,
  baselineDirectory: string,
  request: DiffRequestData,
  signal?: AbortSignal,
): Promise<DiffResult> {
  let subPath = '';
  if (request.path !== undefined) subPath = (await confinePath(workspace, request.path, { follow: true })).relative;
  const result = await diffTrees(baselineDirectory, workspace.root, subPath, signal);
  if (subPath !== '' && result.files.length === 0 && !(await existsOnEitherSide(workspace.root, baselineDirectory, subPath))) {
    throw new CodeboltError('file-not-found', `'${request.path}' exists neither in the workspace nor in its baseline`);
  }
  if (Buffer.byteLength(result.diff) > MAX_DIFF_BYTES) {
    throw new CodeboltError('payload-too-large', `the diff is over ${MAX_DIFF_BYTES} bytes (48 MiB); narrow it with 'path'`);
  }
  return result;
}

async function existsOnEitherSide(root: string, baselineDirectory: string, subPath: string): Promise<boolean> {
  const found = await Promise.all([root, baselineDirectory].map((base) => lstat(join(base, subPath)).then(() => true, () => false)));
  return found.includes(true);
}
