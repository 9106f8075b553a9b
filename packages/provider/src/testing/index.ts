export { runProviderConformance, type ConformanceContext, type ProviderConformanceOptions } from './conformance-suite.js';
export { KitRelay, KitPeer, type KitRelayOptions } from './kit-relay.js';
export { within, KIT_WAIT_MS } from './wait.js';
