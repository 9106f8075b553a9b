import { z } from 'zod';
import { errorBodySchema } from './envelope.js';
import { leaseRequestSchema, leaseStopReasonSchema } from './lease-messages.js';

export const ENVIRONMENT_STATES = ['creating', 'starting', 'running', 'stopping', 'stopped', 'error', 'deleting'] as const;
export const environmentStateSchema = z.enum(ENVIRONMENT_STATES);
export type EnvironmentState = z.infer<typeof environmentStateSchema>;
export const desiredStateSchema = z.enum(['running', 'stopped', 'deleted']);
export type DesiredState = z.infer<typeof desiredStateSchema>;

/** Environment names: what people type on the command line. */
export const environmentNameSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'use letters, digits, ".", "_" and "-", starting with a letter or digit');

/** What the reconciler does with an environment whose resource is gone. */
export const restartPolicySchema = z.enum(['never', 'recreate']);
export type RestartPolicy = z.infer<typeof restartPolicySchema>;

/**
 * The public view of an environment record, as the HTTP API returns it. Secret config fields
 * appear as the string "[secret]"; their values never leave the relay except to the provider.
 */
export const environmentSchema = z.object({
  id: z.string(),
  name: z.string(),
  tenant: z.string(),
  owner: z.string(),
  provider: z.object({ name: z.string(), version: z.string() }),
  config: z.record(z.string(), z.unknown()),
  state: environmentStateSchema,
  desiredState: desiredStateSchema,
  resourceId: z.string().nullable(),
  runtime: z.object({
    connected: z.boolean(),
    version: z.string().nullable(),
    generation: z.number().int(),
    pid: z.number().int().nullable(),
  }),
  lease: z.object({
    /** Stop after this long without activity (ms); null = never. */
    idleTimeoutMs: z.number().int().nullable(),
    /** Stop this long after the last start (ms), extensions aside; null = never. */
    maxLifetimeMs: z.number().int().nullable(),
    /** When the relay will stop it if nothing changes (the earlier of the two deadlines); null while nothing will. */
    expiresAt: z.string().nullable(),
    /** The last start (the lifetime counts from here). */
    startedAt: z.string().nullable().optional(),
    lifetimeExpiresAt: z.string().nullable().optional(),
    /** null while something keeps it alive (see keptAliveBy) or without an idle timeout. */
    idleExpiresAt: z.string().nullable().optional(),
    lastActivityAt: z.string().nullable().optional(),
    /** What holds the idle clock right now: `running-processes`, `app-connections` (when the relay counts them), `app-extension`. */
    keptAliveBy: z.array(z.string()).optional(),
    /** Live counts of the activity sources. */
    activity: z.object({ appConnections: z.number().int(), runningProcesses: z.number().int() }).optional(),
  }),
  lastError: errorBodySchema.extend({ at: z.string() }).nullable(),
  /** Why the relay itself stopped the environment (its lease ran out); cleared by the next start. */
  stopReason: z.object({ reason: leaseStopReasonSchema, message: z.string(), at: z.string() }).nullable().optional(),
  /** See `createEnvironmentSchema.restartPolicy`; absent means `never`. */
  restartPolicy: restartPolicySchema.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Environment = z.infer<typeof environmentSchema>;

/** `POST /v1/environments` body. */
export const createEnvironmentSchema = z
  .object({
    name: environmentNameSchema,
    provider: z.string().min(1).max(64),
    config: z.record(z.string(), z.unknown()).default({}),
    /** Idle timeout / maximum lifetime for this environment, within the tenant's and provider's limits. */
    lease: leaseRequestSchema.optional(),
    /**
     * What the reconciler does when the provider reports the resource gone: `never` (default) puts the
     * environment in `error` with `resource-gone`; `recreate` makes a new resource (a new creation
     * token; the old workspace is lost with the old resource).
     */
    restartPolicy: restartPolicySchema.optional(),
  })
  .strict();
export type CreateEnvironmentInput = z.input<typeof createEnvironmentSchema>;

/** `GET /v1/providers` entries. */
export const providerInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  description: z.string().optional(),
  capabilities: z.array(z.string()),
  configSchema: z.record(z.string(), z.unknown()),
  secretFields: z.array(z.string()),
  /** The relay-level config set with `codebolt provider configure` (secrets as "[secret]"). */
  configured: z.record(z.string(), z.unknown()),
});
export type ProviderInfo = z.infer<typeof providerInfoSchema>;

/** `PUT /v1/providers/:name/config` body: relay-level defaults and shared credentials. */
export const configureProviderSchema = z.object({ config: z.record(z.string(), z.unknown()) }).strict();

/** `GET /v1/environments/:id/logs?offset=N` answer. */
export const logChunkSchema = z.object({ content: z.string(), offset: z.number().int(), nextOffset: z.number().int() });
export type LogChunk = z.infer<typeof logChunkSchema>;

/** The HTTP error body: `{ "error": { "code", "message" } }`. */
export const httpErrorSchema = z.object({ error: errorBodySchema });

/** Marker used in public views in place of a secret value. */
export const SECRET_PLACEHOLDER = '[secret]';
