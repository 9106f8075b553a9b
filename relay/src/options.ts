import { resolve } from 'node:path';
import { z } from 'zod';
import { CodeboltError, describeZodError } from '@codebolt/protocol';

/**
 * Relay options. Every limit has a finite default; units are in the names.
 */
/** One level of lease budgets (relay-wide, per provider, per tenant); ms, null = none. */
export const leaseBudgetSchema = z
  .object({
    /** Default idle timeout of new environments. */
    idleTimeoutMs: z.number().int().positive().nullable().optional(),
    /** Default maximum lifetime of new environments (counted from each start). */
    maxLifetimeMs: z.number().int().positive().nullable().optional(),
    /** Longest idle timeout an environment may ask for at create (null = no limit). */
    idleTimeoutLimitMs: z.number().int().positive().nullable().optional(),
    /** Longest maximum lifetime an environment may ask for at create (null = no limit). */
    maxLifetimeLimitMs: z.number().int().positive().nullable().optional(),
  })
  .strict();

export const relayOptionsSchema = z.object({
  /** Address to bind. Default 127.0.0.1. A non-loopback address needs `allowRemote` (auth is always on). */
  host: z.string().default('127.0.0.1'),
  /** Port; 0 picks a free one. Default 7420. */
  port: z.number().int().min(0).max(65535).default(7420),
  /** Data dir. Default `CODEBOLT_HOME` or ./.codebolt. */
  dataDir: z.string().optional(),
  /** Absolute directories of installed provider packages (package.json with "codebolt.provider"). */
  providerPackages: z.array(z.string()).default([]),
  /** URL runtimes use to reach this relay (ws://… or wss://…). Default: derived from host and port. */
  publicUrl: z.string().url().optional(),
  /** Explicitly allow binding a non-loopback host with only the local HS256 secret (no JWKS). */
  allowRemote: z.boolean().default(false),
  /** Tenant tokens from an identity provider: its JWKS URL, required issuer and audience. */
  jwks: z
    .object({
      url: z.string().url(),
      issuer: z.string().min(1),
      audience: z.string().min(1),
      /** Least time between JWKS refetches caused by unknown kids, ms. */
      cooldownMs: z.number().int().nonnegative().default(30_000),
      cacheMaxAgeMs: z.number().int().positive().default(600_000),
      timeoutMs: z.number().int().positive().default(5_000),
    })
    .optional(),
  /** Tolerated clock skew for exp/nbf, seconds. */
  clockToleranceSeconds: z.number().int().nonnegative().max(300).default(30),
  /** Browser origins allowed besides the relay's own (exact `scheme://host[:port]`, or `*`). */
  allowedOrigins: z.array(z.string().min(1)).default([]),
  /** Refuse bearer-subprotocol connections that send no Origin (all-browser deployments). */
  requireOriginForSubprotocol: z.boolean().default(false),
  /** POST every audit entry (JSON) to this URL after it is on disk; best effort. */
  auditWebhookUrl: z.string().url().optional(),
  /**
   * Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` names the client for the
   * per-address limits and the audit log. Empty (the default): the header is ignored.
   */
  trustedProxies: z.array(z.string().min(1)).default([]),
  /** Run this command (argv, no shell, a scrubbed environment) and write every audit entry to its stdin as a JSON line; best effort. */
  auditHookCommand: z.array(z.string().min(1)).min(1).optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Max WebSocket frame per endpoint, bytes. */
  maxAppFrameBytes: z.number().int().positive().default(48 * 1024 * 1024),
  maxRuntimeFrameBytes: z.number().int().positive().default(64 * 1024 * 1024),
  maxProviderFrameBytes: z.number().int().positive().default(1024 * 1024),
  providerRegisterTimeoutMs: z.number().int().positive().default(15_000),
  providerRequestTimeoutMs: z.number().int().positive().default(120_000),
  providerStopTimeoutMs: z.number().int().positive().default(5_000),
  /** A provider that sends no heartbeat for this long is killed and restarted (providers send one every 5 s). */
  providerHeartbeatTimeoutMs: z.number().int().positive().default(20_000),
  /** Restart backoff of crashed provider processes: first delay, ceiling, ±jitter (fraction). */
  providerRestartInitialDelayMs: z.number().int().nonnegative().default(1_000),
  providerRestartMaxDelayMs: z.number().int().nonnegative().default(60_000),
  providerRestartJitterRatio: z.number().min(0).max(1).default(0.2),
  /** More than this many provider crashes within providerCrashWindowMs open the circuit: the environment goes to error. */
  providerMaxCrashes: z.number().int().nonnegative().default(5),
  providerCrashWindowMs: z.number().int().positive().default(60_000),
  runtimeConnectTimeoutMs: z.number().int().positive().default(60_000),
  runtimeTokenTtlSeconds: z.number().int().positive().default(24 * 3600),
  adminTokenTtlSeconds: z.number().int().positive().default(365 * 24 * 3600),
  runtimeQueueMaxFrames: z.number().int().positive().default(1_000),
  runtimeQueueMaxBytes: z.number().int().positive().default(16 * 1024 * 1024),
  /** Runtime→app frames retained per environment for apps that resume (frames / bytes). See docs/protocol.md. */
  streamWindowMaxFrames: z.number().int().positive().default(10_000),
  streamWindowMaxBytes: z.number().int().positive().default(32 * 1024 * 1024),
  /** How long an app session is remembered after its last connection closed, so it can resume. */
  appSessionRetentionMs: z.number().int().positive().default(600_000),
  /** The relay pings every app and runtime connection this often (ms)… */
  heartbeatIntervalMs: z.number().int().positive().default(15_000),
  /** …and drops one that has not answered within this many ms: a black-holed peer is gone within interval + timeout. */
  heartbeatTimeoutMs: z.number().int().positive().default(10_000),
  /** Bytes an app socket may have waiting to be sent before the relay cuts it off as a slow consumer. */
  maxAppSendBufferBytes: z.number().int().positive().default(8 * 1024 * 1024),
  /** A runtime socket must say hello within this after its upgrade, ms. */
  runtimeHelloTimeoutMs: z.number().int().positive().default(10_000),
  /** A client must send its request headers (or upgrade) within this, ms; slow-header sockets are closed. */
  headersTimeoutMs: z.number().int().positive().default(15_000),
  /** A whole HTTP request (headers and body) must arrive within this, ms. */
  requestTimeoutMs: z.number().int().positive().default(60_000),
  /** Per-tenant quotas (an operator's own tenant included). */
  maxEnvironmentsPerTenant: z.number().int().positive().default(100),
  maxRunningEnvironmentsPerTenant: z.number().int().positive().default(25),
  maxAppConnectionsPerTenant: z.number().int().positive().default(250),
  /** Failed authentications per client address within failedAuthWindowMs before it gets 429. */
  maxFailedAuthPerAddress: z.number().int().positive().default(30),
  failedAuthWindowMs: z.number().int().positive().default(60_000),
  /** Open WebSocket connections per client address. */
  maxConnectionsPerAddress: z.number().int().positive().default(256),
  /** How long a graceful shutdown waits for in-flight verbs. */
  shutdownTimeoutMs: z.number().int().positive().default(10_000),
  /** Time between periodic reconcile passes (stalled records retried, orphans found), ms; 0 turns the loop off. */
  reconcileIntervalMs: z.number().int().nonnegative().default(60_000),
  /** How long a resource must be seen without a record before the reconciler destroys it, ms. */
  orphanGraceMs: z.number().int().nonnegative().default(600_000),
  /**
   * Leases (see docs/architecture.md, Leases): budgets relay-wide, overridden per provider name,
   * then per tenant; an environment may ask for its own at create within the limits. Defaults:
   * no idle timeout, no maximum lifetime, no limits.
   */
  leases: z
    .object({
      ...leaseBudgetSchema.shape,
      providers: z.record(z.string(), leaseBudgetSchema).default({}),
      tenants: z.record(z.string(), leaseBudgetSchema).default({}),
      /** How long before an idle or lifetime stop connected apps get `lease-warning`, ms. */
      warningLeadMs: z.number().int().nonnegative().default(60_000),
      /** Count open app connections as keeping an environment alive (by default only their traffic counts). */
      appConnectionsKeepAlive: z.boolean().default(false),
      /** Lease bookkeeping is written to the record at most this often per environment, ms. */
      persistIntervalMs: z.number().int().positive().default(1_000),
    })
    .strict()
    .prefault({}),
  /** Delay the relay suggests to peers in its `reconnect` notice. */
  reconnectAfterMs: z.number().int().nonnegative().default(500),
});

export type RelayOptions = z.input<typeof relayOptionsSchema>;
export type ResolvedRelayOptions = z.output<typeof relayOptionsSchema> & { dataDir: string };

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

export function resolveRelayOptions(options: RelayOptions): ResolvedRelayOptions {
  const parsed = relayOptionsSchema.safeParse(options);
  if (!parsed.success) throw new CodeboltError('invalid-config', `invalid relay option ${describeZodError(parsed.error)}`);
  const value = parsed.data;
  if (!LOOPBACK.test(value.host) && !value.allowRemote && !value.jwks) {
    throw new CodeboltError(
      'invalid-config',
      `refusing to bind ${value.host}: a non-loopback address exposes the relay to the network and no identity provider is configured. Configure one (--jwks-url, --jwks-issuer, --jwks-audience), or put the relay behind TLS and pass --allow-remote to use the relay's own HS256 tokens, or bind 127.0.0.1`,
    );
  }
  return { ...value, dataDir: resolve(value.dataDir ?? process.env.CODEBOLT_HOME ?? '.codebolt') };
}

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}
