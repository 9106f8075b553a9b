import { z } from 'zod';
import { desiredStateSchema, environmentStateSchema } from '@codebolt/protocol';

const isoTime = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'an ISO 8601 time');

/**
 * The shape of one record in environments.json at STORE_SCHEMA_VERSION, for `codebolt admin check`
 * and the migration tests. Loose: fields added later (by newer code on the same schema version)
 * pass through; a missing or mistyped known field is a problem.
 */
export const storedRecordSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().min(1),
  tenant: z.string().min(1),
  owner: z.string().min(1),
  provider: z.looseObject({ name: z.string().min(1), version: z.string() }),
  config: z.record(z.string(), z.unknown()),
  state: environmentStateSchema,
  desiredState: desiredStateSchema,
  resourceId: z.string().nullable(),
  creationToken: z.string().min(1),
  runtime: z.looseObject({ connected: z.boolean(), version: z.string().nullable(), generation: z.number().int().min(0), pid: z.number().int().nullable() }),
  lease: z.looseObject({ idleTimeoutMs: z.number().nullable(), maxLifetimeMs: z.number().nullable(), expiresAt: z.string().nullable() }),
  lastError: z.looseObject({ code: z.string(), message: z.string(), at: z.string() }).nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
});

/** The whole file after migration: records plus the idempotency index. */
export const storeFileSchema = z.looseObject({
  schemaVersion: z.number().int(),
  environments: z.array(storedRecordSchema),
  idempotency: z.record(z.string(), z.looseObject({ environmentId: z.string(), requestHash: z.string(), tenant: z.string(), createdAt: z.string() })),
});
