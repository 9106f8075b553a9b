export { createWorktreeProvider } from './create-worktree-provider.js';
export { WorktreeProvider, DEFAULT_STOP_TIMEOUT_MS, type WorktreeProviderSettings } from './worktree-provider.js';
export { worktreeConfigSchema, type WorktreeConfig } from './worktree-config.js';
