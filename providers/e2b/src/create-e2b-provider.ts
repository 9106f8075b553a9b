import { E2bProvider, type E2bProviderSettings } from './e2b-provider.js';

/** Makes the E2B provider. Does no I/O; throws `invalid-config` for a malformed installation id. */
export function createE2bProvider(settings: E2bProviderSettings): E2bProvider {
  return new E2bProvider(settings);
}
