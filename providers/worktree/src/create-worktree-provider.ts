import { WorktreeProvider, type WorktreeProviderSettings } from './worktree-provider.js';

/** Makes the worktree provider. Does no I/O; throws `invalid-config` for a relative home. */
export function createWorktreeProvider(settings: WorktreeProviderSettings): WorktreeProvider {
  return new WorktreeProvider(settings);
}
