export * from './error-codes.js';
export * from './codebolt-error.js';
export * from './envelope.js';
export * from './parse.js';
export * from './runtime-messages.js';
export * from './provider-messages.js';
export * from './environment.js';
export * from './app-events.js';
