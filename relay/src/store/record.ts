import type { DesiredState, Environment, EnvironmentState, ErrorBody, LeaseStopReason } from '@codebolt/protocol';
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
  lease: EnvironmentLease;
  lastError: (ErrorBody & { at: string }) | null;
  /** Set when the relay stopped the environment because its lease ran out; cleared by the next start. */
  stopReason?: { reason: LeaseStopReason; message: string; at: string } | null;
  /** What the reconciler does when the resource is gone; absent means `never`. */
  restartPolicy?: 'never' | 'recreate';
  createdAt: string;
  updatedAt: string;
}

/** The lease part of a record (see LeaseManager): budgets, deadlines (ISO 8601) and what keeps it alive. */
export interface EnvironmentLease {
  idleTimeoutMs: number | null;
  maxLifetimeMs: number | null;
  expiresAt: string | null;
  startedAt?: string | null;
  lifetimeExpiresAt?: string | null;
  idleExpiresAt?: string | null;
  lastActivityAt?: string | null;
  keptAliveBy?: string[];
  activity?: { appConnections: number; runningProcesses: number };
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
    lease: structuredClone(record.lease),
    lastError: record.lastError ? { ...record.lastError } : null,
    ...(record.stopReason !== undefined ? { stopReason: record.stopReason ? { ...record.stopReason } : null } : {}),
    ...(record.restartPolicy !== undefined ? { restartPolicy: record.restartPolicy } : {}),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
