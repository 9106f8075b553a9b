export { startRuntime, type RuntimeHandle } from './start-runtime.js';
export { DEFAULT_INITIAL_DELAY_MS, DEFAULT_MAX_DELAY_MS, type RuntimeOptions } from './runtime-options.js';
export type { MessageContext, MessageHandler } from './handlers/message.js';
export { MAX_FRAME_BYTES } from './connection/relay-connection.js';
export { DEFAULT_OUTBOUND_QUEUE_LIMITS, type OutboundQueueLimits } from './connection/outbound-queue.js';
export { MAX_READ_BYTES } from './handlers/fs-read.js';
export { MAX_DIFF_BYTES } from './handlers/diff.js';
export { RUNTIME_VERSION } from './version.js';
