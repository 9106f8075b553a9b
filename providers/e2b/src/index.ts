export { createE2bProvider } from './create-e2b-provider.js';
export { E2bProvider, type E2bProviderSettings } from './e2b-provider.js';
export { e2bConfigSchema, MAX_SANDBOX_TIMEOUT_MS, type E2bConfig } from './e2b-config.js';
export { e2bError } from './e2b-errors.js';
export { METADATA as E2B_METADATA } from './e2b-metadata.js';
