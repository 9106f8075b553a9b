import { z } from 'zod';
import { errorBodySchema } from './envelope.js';

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
    idleTimeoutMs: z.number().int().nullable(),
    maxLifetimeMs: z.number().int().nullable(),
    expiresAt: z.string().nullable(),
  }),
  lastError: errorBodySchema.extend({ at: z.string() }).nullable(),
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
