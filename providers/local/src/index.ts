export { createLocalProvider } from './create-local-provider.js';
export { LocalProvider, DEFAULT_STOP_TIMEOUT_MS, type LocalConfig, type LocalProviderSettings } from './local-provider.js';
