export { createLocalProvider } from './create-local-provider.js';
export { LocalProvider, DEFAULT_STOP_TIMEOUT_MS, type LocalConfig, type LocalProviderSettings } from './local-provider.js';
// Building blocks for other providers whose resource is a directory on this machine (worktree).
export { LocalRuntime, type LocalRuntimeSettings, type RuntimePaths } from './local-runtime.js';
export { writeJsonAtomic } from './state-files.js';
export { isSafeEnvironmentId } from './local-paths.js';
