export { createClient, CodeboltClient, type ConnectOptions, type Health } from './codebolt-client.js';
export type { ClientOptions, FetchFunction, WebSocketConstructor, WebSocketLike } from './client-options.js';
export { DEFAULT_REQUEST_TIMEOUT_MS } from './client-options.js';
export { EnvironmentsApi, type CallOptions, type CreateOptions, type LogsOptions } from './environments-api.js';
export { ProvidersApi } from './providers-api.js';
export { TokensApi } from './tokens-api.js';
export { AdminApi, type MasterKeyRotation, type ReconcileReport } from './admin-api.js';
export { type WaitOptions, type WaitTarget, DEFAULT_WAIT_INTERVAL_MS, DEFAULT_WAIT_TIMEOUT_MS, environmentError } from './wait-for-environment.js';
export {
  EnvironmentChannel,
  DEFAULT_CHANNEL_REQUEST_TIMEOUT_MS,
  type ChannelCallOptions,
  type ChannelFileSystem,
  type HeartbeatOptions,
  type DiffOptions,
  type ExecOptions,
  type ExtendLeaseOptions,
  type FsReadResult,
  type ReadOptions,
  type RemoveOptions,
  type WriteOptions,
} from './environment-channel.js';
export type { ChannelEventName, ChannelEvents, ChannelListener } from './channel-events.js';
export type { ExecHandle, KillSignal, OutputChunk } from './exec-handle.js';
export { bytesToBase64, base64ToBytes } from './base64.js';
export {
  CodeboltError,
  isCodeboltError,
  type CreateEnvironmentInput,
  type DiffResult,
  type Environment,
  type EnvironmentState,
  type ErrorCode,
  type FsEntry,
  type LogChunk,
  type ProcessExit,
  type ProviderInfo,
  type CreatedToken,
  type CreateTokenRequest,
} from '@codebolt/protocol';
export type { ReconnectOptions } from './reconnect-policy.js';
export { reconnectDelayMs } from './reconnect-policy.js';
