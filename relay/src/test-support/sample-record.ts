import type { EnvironmentRecord } from '../store/record.js';

/** A complete, valid environment record for store tests; `overrides` replace top-level fields. */
export function sampleRecord(id: string, overrides: Partial<EnvironmentRecord> = {}): EnvironmentRecord {
  const now = new Date().toISOString();
  return {
    id,
    name: id,
    tenant: 'default',
    owner: 'local-admin',
    provider: { name: 'local', version: '0.1.0' },
    config: {},
    state: 'stopped',
    desiredState: 'stopped',
    resourceId: null,
    creationToken: `token-${id}`,
    runtime: { connected: false, version: null, generation: 0, pid: null },
    lease: { idleTimeoutMs: null, maxLifetimeMs: null, expiresAt: null },
    lastError: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}
