export { BaseProvider, type ProviderEvent } from './base-provider.js';
export { runProvider, DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_RECONNECT_TIMEOUT_MS } from './run-provider.js';
export { runProviderMain, requiredEnvironment } from './provider-main.js';
export { MAX_PAYLOAD_BYTES } from './provider-connection.js';
export { parseProviderConfig } from './parse-config.js';
export type {
  AttachResult,
  CreateResult,
  EnvironmentRef,
  FileRequest,
  ProviderFilesRequest,
  HealthResult,
  ListedResource,
  ProviderAttachRequest,
  ProviderContext,
  ProviderHealthRequest,
  ProviderListRequest,
  ProviderLogLevel,
  ProviderStartRequest,
  ProviderStartResult,
  ProviderStopMode,
  ProviderStopRequest,
  ResourceContext,
  ResourceStatus,
  RunProviderOptions,
  RuntimeConnect,
  StartContext,
} from './types.js';
