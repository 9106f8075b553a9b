export { startRelay, type Relay } from './relay.js';
export type { RelayOptions } from './options.js';
export { RELAY_VERSION } from './version.js';
