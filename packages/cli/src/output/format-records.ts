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
  if (environment.lease.expiresAt) fields.push(['expires', environment.lease.expiresAt]);
  if (environment.lastError) fields.push(['last error', `${environment.lastError.code}: ${environment.lastError.message} (${environment.lastError.at})`]);
  const width = Math.max(...fields.map(([key]) => key.length)) + 1;
  return fields.map(([key, value]) => `${`${key}:`.padEnd(width)} ${value}`).join('\n');
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
