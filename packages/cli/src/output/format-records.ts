import type { Environment, ProviderInfo } from '@codebolt/sdk';
import { formatTable } from './format-table.js';

/** `env list`: one row per environment. */
export function formatEnvironmentTable(environments: Environment[]): string {
  if (environments.length === 0) return 'no environments; create one with `codebolt env create <name> --provider local`';
  return formatTable(
    ['NAME', 'ID', 'PROVIDER', 'STATE', 'RUNTIME', 'CREATED'],
    environments.map((environment) => [
      environment.name,
      environment.id,
      environment.provider.name,
      environment.state,
      environment.runtime.connected ? 'connected' : '-',
      environment.createdAt,
    ]),
  );
}

/** `env get` / `env create`: the record as aligned `key: value` lines. */
export function formatEnvironment(environment: Environment): string {
  const fields: Array<[string, string]> = [
    ['name', environment.name],
    ['id', environment.id],
    ['provider', `${environment.provider.name} ${environment.provider.version}`],
    ['state', environment.state === environment.desiredState ? environment.state : `${environment.state} (desired: ${environment.desiredState})`],
    ['runtime', environment.runtime.connected ? `connected (version ${environment.runtime.version ?? '?'}, generation ${environment.runtime.generation})` : 'not connected'],
    ['resource', environment.resourceId ?? '-'],
    ['tenant', environment.tenant],
    ['owner', environment.owner],
    ['config', Object.keys(environment.config).length === 0 ? '{}' : JSON.stringify(environment.config)],
    ['created', environment.createdAt],
    ['updated', environment.updatedAt],
  ];
  fields.push(['lease', describeLease(environment.lease)]);
  if (environment.state === 'running' || environment.state === 'starting' || environment.state === 'creating') fields.push(['kept alive by', describeKeptAlive(environment.lease)]);
  fields.push(['stops at', environment.lease.expiresAt ? `${environment.lease.expiresAt}${stopCause(environment.lease)}` : 'not scheduled']);
  if (environment.stopReason) fields.push(['stop reason', `${environment.stopReason.reason}: ${environment.stopReason.message} (${environment.stopReason.at})`]);
  if (environment.lastError) fields.push(['last error', `${environment.lastError.code}: ${environment.lastError.message} (${environment.lastError.at})`]);
  const width = Math.max(...fields.map(([key]) => key.length)) + 1;
  return fields.map(([key, value]) => `${`${key}:`.padEnd(width)} ${value}`).join('\n');
}

type Lease = Environment['lease'];

function duration(ms: number | null): string {
  if (ms === null) return 'none';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/** `idle timeout 30m, max lifetime 8h`. */
function describeLease(lease: Lease): string {
  return `idle timeout ${duration(lease.idleTimeoutMs)}, max lifetime ${duration(lease.maxLifetimeMs)}`;
}

/** What holds the idle clock, plus the live activity counts. */
function describeKeptAlive(lease: Lease): string {
  const holds = lease.keptAliveBy && lease.keptAliveBy.length > 0 ? lease.keptAliveBy.join(', ') : 'nothing (idle clock running)';
  const counts = lease.activity ? ` — ${lease.activity.appConnections} app connection(s), ${lease.activity.runningProcesses} running process(es)` : '';
  const last = lease.lastActivityAt ? `; last activity ${lease.lastActivityAt}` : '';
  return `${holds}${counts}${last}`;
}

/** Which deadline `expiresAt` is. */
function stopCause(lease: Lease): string {
  if (lease.expiresAt && lease.expiresAt === lease.idleExpiresAt) return ' (idle timeout)';
  if (lease.expiresAt && lease.expiresAt === lease.lifetimeExpiresAt) return ' (max lifetime)';
  return '';
}

/** `provider list`: one row per provider. */
export function formatProviderTable(providers: ProviderInfo[]): string {
  if (providers.length === 0) return 'no providers installed';
  return formatTable(
    ['NAME', 'VERSION', 'CAPABILITIES', 'CONFIGURED', 'DESCRIPTION'],
    providers.map((provider) => [
      provider.name,
      provider.version,
      provider.capabilities.join(',') || '-',
      Object.keys(provider.configured).join(',') || '-',
      provider.description ?? '',
    ]),
  );
}
