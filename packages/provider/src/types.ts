import type { ListedResource, ResourceStatus, RuntimeConnect } from '@codebolt/protocol';

export type { ListedResource, ResourceStatus, RuntimeConnect };

/** The environment a verb acts for, as the relay knows it. */
export interface EnvironmentRef {
  /** Relay environment id; stable for the environment's whole life. */
  id: string;
  name: string;
  tenant: string;
}

/**
 * What `create` and `start` receive: everything needed to launch a runtime that dials back.
 * `config` is the merged config (package defaults < relay-level config < environment config),
 * already validated by the relay against the provider's `configSchema`; secret fields arrive
 * in plaintext and must never be logged.
 */
export interface StartContext<Config = Record<string, unknown>> {
  environment: EnvironmentRef;
  config: Config;
  /**
   * Stable for one environment's create, also across retries: tag the new resource with it so a
   * retried create finds the resource an earlier attempt made instead of making a second one.
   */
  creationToken: string;
  /** Where the runtime dials back (`CODEBOLT_RUNTIME_URL`) and with what (`CODEBOLT_RUNTIME_TOKEN`). */
  runtime: RuntimeConnect;
  /** Aborts when the relay connection that carried the request closes. */
  signal: AbortSignal;
}

/** What `attach`, `stop` and `destroy` receive. */
export interface ResourceContext<Config = Record<string, unknown>> {
  environment: EnvironmentRef;
  config: Config;
  /** Aborts when the relay connection that carried the request closes. */
  signal: AbortSignal;
}

/** What `list` and `health` receive: no environment, only the provider's config. */
export interface ProviderContext<Config = Record<string, unknown>> {
  config: Config;
  signal: AbortSignal;
}

/** `create`'s answer: the id the relay stores and hands back to every later verb (≤ 512 chars). */
export interface CreateResult {
  resourceId: string;
}

/** `attach`'s answer. `detail` is a short human-readable note (a pid, a container state). */
export interface AttachResult {
  status: ResourceStatus;
  detail?: string;
}

/** `health`'s answer. */
export interface HealthResult {
  ok: boolean;
  message?: string;
}

/** The answer to `providerStart`, as it goes on the wire. */
export interface ProviderStartResult {
  resourceId: string;
  outcome: 'created' | 'resumed';
}

export type ProviderLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** How `providerStop` ends a resource: `stop` keeps it, `destroy` removes it. Never the same. */
export type ProviderStopMode = 'stop' | 'destroy';

/** Options of `runProvider`. Every field is optional; the defaults are what a relay-spawned provider needs. */
export interface RunProviderOptions {
  /** The relay's provider endpoint, `ws://host:port/v1/provider`. Default: env `CODEBOLT_RELAY_URL`. */
  url?: string;
  /**
   * The per-process secret, sent as `Authorization: Bearer …`. Default: env
   * `CODEBOLT_PROVIDER_TOKEN`, which is deleted from `process.env` once read.
   */
  token?: string;
  /** Interval of `heartbeat` events, in milliseconds. Default 5000. */
  heartbeatIntervalMs?: number;
  /**
   * How long to keep retrying after the relay connection is lost (or could never be made), in
   * milliseconds, before giving up with `timeout`. Default 30000.
   */
  reconnectTimeoutMs?: number;
  /**
   * Stop serving when `process.stdin` ends (the relay that spawned the process with a stdin pipe
   * died): `runProvider` resolves and, if the process is still alive one second later, it calls
   * `process.exit(0)`. Default: true when stdin is not a TTY.
   */
  exitOnStdinEnd?: boolean;
  /** Aborting it closes the connection and resolves `runProvider`. */
  signal?: AbortSignal;
}

/** `providerStart` request data (see `providerStartSchema` in `@codebolt/protocol`). */
export interface ProviderStartRequest {
  environment: EnvironmentRef;
  resourceId?: string | undefined;
  creationToken: string;
  config: Record<string, unknown>;
  runtime: RuntimeConnect;
}

/** `providerAttach` request data. */
export interface ProviderAttachRequest {
  environment: EnvironmentRef;
  resourceId: string;
  config: Record<string, unknown>;
}

/** `providerStop` request data. */
export interface ProviderStopRequest {
  environment: EnvironmentRef;
  resourceId: string;
  mode: ProviderStopMode;
  config: Record<string, unknown>;
}

/** `providerList` request data. */
export interface ProviderListRequest {
  config: Record<string, unknown>;
}

/** `providerHealth` request data. */
export interface ProviderHealthRequest {
  config: Record<string, unknown>;
}

/** An app's file request the relay routes to a provider with the `files` capability while the runtime is away. */
export interface FileRequest {
  type: 'fs.read' | 'fs.list' | 'diff';
  /** The app request's data, validated by the relay against the runtime protocol's schema. */
  data: unknown;
}

/** `providerFiles` request data. */
export interface ProviderFilesRequest {
  environment: EnvironmentRef;
  resourceId: string;
  config: Record<string, unknown>;
  request: FileRequest;
}
