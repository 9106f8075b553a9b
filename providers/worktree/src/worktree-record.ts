import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CodeboltError } from '@codebolt/protocol';

/** `resource.json` of a worktree environment: where its worktree and branch came from. */
export const worktreeRecordSchema = z.object({
  environmentId: z.string(),
  creationToken: z.string(),
  /** The repository the worktree belongs to (absolute). */
  repo: z.string(),
  branch: z.string(),
  keepBranch: z.boolean(),
  /** ISO 8601. */
  createdAt: z.string(),
});
export type WorktreeRecord = z.infer<typeof worktreeRecordSchema>;

/** The record, or `undefined` when the file does not exist; throws `data-corrupt` when it cannot be read. */
export async function readWorktreeRecord(file: string): Promise<WorktreeRecord | undefined> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return worktreeRecordSchema.parse(JSON.parse(raw));
  } catch {
    throw new CodeboltError('data-corrupt', `${file} is not a valid worktree record; remove the environment's state dir by hand if the worktree is gone`);
  }
}
