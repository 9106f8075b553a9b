import { LocalProvider, type LocalProviderSettings } from './local-provider.js';

/**
 * Makes the local provider. Throws `invalid-config` when `settings.home` is not absolute or
 * `settings.stopTimeoutMs` is not positive. Does no I/O.
 */
export function createLocalProvider(settings: LocalProviderSettings): LocalProvider {
  return new LocalProvider(settings);
}
