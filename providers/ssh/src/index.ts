export { createSshProvider } from './create-ssh-provider.js';
export { SshProvider, DEFAULT_STOP_TIMEOUT_MS, type SshProviderSettings } from './ssh-provider.js';
export { sshConfigSchema, type SshConfig } from './ssh-config.js';
export { parseHostKey, fingerprintOf, type PinnedHostKey } from './host-key.js';
export { formatResourceId, parseResourceId, type SshResource } from './resource-id.js';
export { shellQuote, shellCommand } from './shell-quote.js';
