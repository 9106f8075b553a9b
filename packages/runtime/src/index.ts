export { startRuntime, type RuntimeHandle } from './start-runtime.js';
export type { RuntimeOptions } from './runtime-options.js';
export type { MessageContext, MessageHandler } from './handlers/message.js';
export { RUNTIME_VERSION } from './version.js';
export { serveFileRequest, type WorkspaceLocation } from './serve-file-request.js';
