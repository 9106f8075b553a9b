import type { DesiredState, Environment, EnvironmentState, ErrorBody } from '@codebolt/protocol';
import { SECRET_PLACEHOLDER } from '@codebolt/protocol';
import { isEncryptedValue } from '../secrets/cipher.js';

/** An environment record as stored in environments.json. */
export interface EnvironmentRecord {
  id: string;
  name: string;
  tenant: string;
  owner: string;
  provider: { name: string; version: string };
  /** Environment-level config; secret fields are stored encrypted (`{ "$enc": … }`). */
  config: Record<string, unknown>;
  state: EnvironmentState;
  desiredState: DesiredState;
  resourceId: string | null;
  /** Attached to the resource at creation so a crashed create can be found instead of repeated. */
  creationToken: string;
  runtime: { connected: boolean; version: string | null; generation: number; pid: number | null };
  lease: { idleTimeoutMs: number | null; maxLifetimeMs: number | null; expiresAt: string | null };
  lastError: (ErrorBody & { at: string }) | null;
  createdAt: string;
  updatedAt: string;
}

/** The public view: secret config values replaced by a placeholder. */
export function toPublicEnvironment(record: EnvironmentRecord): Environment {
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record.config)) config[key] = isEncryptedValue(value) ? SECRET_PLACEHOLDER : value;
  return {
    id: record.id,
    name: record.name,
    tenant: record.tenant,
    owner: record.owner,
    provider: { ...record.provider },
    config,
    state: record.state,
    desiredState: record.desiredState,
    resourceId: record.resourceId,
    runtime: { ...record.runtime },
    lease: { ...record.lease },
    lastError: record.lastError ? { ...record.lastError } : null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
