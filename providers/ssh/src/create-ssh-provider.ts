import { SshProvider, type SshProviderSettings } from './ssh-provider.js';

/** Makes the SSH provider. Does no I/O; throws `invalid-config` for a malformed installation id or timeout. */
export function createSshProvider(settings: SshProviderSettings): SshProvider {
  return new SshProvider(settings);
}
