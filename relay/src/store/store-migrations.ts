import { CodeboltError } from '@codebolt/protocol';

/**
 * The environment store's schema version. History of environments.json (see docs/operations.md):
 * - 1 (d5ed9be): `{ schemaVersion: 1, environments, idempotency }`; secrets as `v1:` ciphertexts.
 * - 1 (6630862): same layout; new secrets written as `v2:<keyId>:` ciphertexts (both still read).
 * A file without `schemaVersion` is treated as version 0 (a bare `{ environments }` object).
 * Bump this and add a step to STORE_MIGRATIONS whenever the stored shape changes, with a fixture
 * of the old shape under src/store/fixtures/.
 */
export const STORE_SCHEMA_VERSION = 1;

/** Steps from version N to N+1, applied in order on load; a version without a step only gets its number bumped. */
export const STORE_MIGRATIONS: Record<number, (data: Record<string, unknown>) => Record<string, unknown>> = {
  0: (data) => ({ ...data, schemaVersion: 1, idempotency: data.idempotency ?? {} }),
};

/**
 * Brings a parsed environments.json up to STORE_SCHEMA_VERSION (in memory; the file is rewritten
 * by the next commit). Throws `data-corrupt` for something that is not a store and
 * `data-version-unsupported` for a file written by a newer relay (left untouched).
 */
export function migrateStore(value: unknown, path: string): Record<string, unknown> & { schemaVersion: number; environments: unknown[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Array.isArray((value as Record<string, unknown>).environments)) {
    throw new CodeboltError('data-corrupt', `${path} does not look like an environment store (no "environments" array); it was left untouched`);
  }
  let data = value as Record<string, unknown>;
  let version = typeof data.schemaVersion === 'number' ? data.schemaVersion : 0;
  if (!Number.isInteger(version) || version < 0) throw new CodeboltError('data-corrupt', `${path} has an invalid schemaVersion (${String(data.schemaVersion)}); it was left untouched`);
  if (version > STORE_SCHEMA_VERSION) {
    throw new CodeboltError(
      'data-version-unsupported',
      `${path} has schemaVersion ${version}, written by a newer relay; this relay understands up to ${STORE_SCHEMA_VERSION}. Upgrade the relay (the file was left untouched; downgrading needs a backup taken before the upgrade)`,
    );
  }
  while (version < STORE_SCHEMA_VERSION) {
    const step = STORE_MIGRATIONS[version];
    data = step ? step(data) : { ...data };
    version += 1;
    data.schemaVersion = version;
  }
  return data as Record<string, unknown> & { schemaVersion: number; environments: unknown[] };
}
