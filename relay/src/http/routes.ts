import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CodeboltError, type ProviderInfo, SECRET_PLACEHOLDER, configureProviderSchema, parseData } from '@codebolt/protocol';
import { issueToken } from '../auth/token-issuer.js';
import type { TokenService } from '../auth/tokens.js';
import type { MasterKeyRotation } from '../secrets/master-key-rotation.js';
import { type TenantQuotas, checkQuota } from '../limits/tenant-quotas.js';
import type { Principal } from '../auth/tokens.js';
import type { EnvironmentService } from '../environments/environment-service.js';
import type { ProviderConfigStore } from '../providers/provider-config-store.js';
import type { ProviderDefinition, ProviderRegistry } from '../providers/provider-registry.js';
import { isEncryptedValue } from '../secrets/cipher.js';
import { toPublicEnvironment } from '../store/record.js';
import type { Metrics } from '../metrics.js';
import { readJsonBody, sendJson, sendText } from './respond.js';
import type { Route } from './router.js';
import type { BackupSources } from '../backup/create-backup.js';
import { backupRoute } from './backup-route.js';

export interface RouteDeps {
  environments: EnvironmentService;
  registry: ProviderRegistry;
  providerConfig: ProviderConfigStore;
  metrics: Metrics;
  openApi: () => unknown;
  dataDir: string;
  tokens: TokenService;
  rotation: MasterKeyRotation;
  quotas: TenantQuotas;
  /** What `POST /v1/admin/backup` reads. */
  backup: BackupSources;
}

/** Largest log chunk returned by one logs request. */
const LOG_CHUNK_BYTES = 256 * 1024;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function providerInfo(definition: ProviderDefinition, store: ProviderConfigStore): ProviderInfo {
  const configured: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(store.stored(definition.name))) configured[key] = isEncryptedValue(value) ? SECRET_PLACEHOLDER : value;
  return {
    name: definition.name,
    version: definition.version,
    ...(definition.description ? { description: definition.description } : {}),
    capabilities: definition.capabilities,
    configSchema: definition.configSchema,
    secretFields: definition.secretFields,
    configured,
  };
}

/** The HTTP API under /v1 (every route here is authenticated and listed in the authorization table). */
export function apiRoutes(deps: RouteDeps): Route[] {
  const { environments } = deps;
  const ofTenant = (principal: Principal) => environments.list({ ...principal, operator: false });
  const checkRunningQuota = (principal: Principal) =>
    checkQuota(ofTenant(principal).filter((record) => record.desiredState === 'running').length, deps.quotas.maxRunningEnvironmentsPerTenant, 'running environments', principal.tenant);
  return [
    {
      method: 'GET',
      path: '/v1/environments',
      handler: ({ response, principal }) => sendJson(response, 200, { environments: environments.list(principal).map(toPublicEnvironment) }),
    },
    {
      method: 'POST',
      path: '/v1/environments',
      handler: async ({ request, response, principal, auditTarget }) => {
        const header = request.headers['idempotency-key'];
        const key = Array.isArray(header) ? header[0] : header;
        if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) throw new CodeboltError('bad-request', 'Idempotency-Key must be 1-255 printable ASCII characters');
        checkQuota(ofTenant(principal).length, deps.quotas.maxEnvironmentsPerTenant, 'environments', principal.tenant);
        checkRunningQuota(principal);
        const { record, replayed } = await environments.create(principal, await readJsonBody(request), key);
        Object.assign(auditTarget, { id: record.id, name: record.name, provider: record.provider.name });
        sendJson(response, replayed ? 200 : 201, toPublicEnvironment(record));
      },
    },
    {
      method: 'GET',
      path: '/v1/environments/:id',
      handler: ({ response, principal, params }) => sendJson(response, 200, toPublicEnvironment(environments.get(principal, params.id!))),
    },
    {
      method: 'DELETE',
      path: '/v1/environments/:id',
      handler: async ({ response, principal, params }) => sendJson(response, 202, toPublicEnvironment(await environments.delete(principal, params.id!))),
    },
    ...(['start', 'stop', 'restart'] as const).map(
      (verb): Route => ({
        method: 'POST',
        path: `/v1/environments/:id/${verb}`,
        handler: async ({ response, principal, params }) => {
          if (verb !== 'stop' && environments.get(principal, params.id!).desiredState !== 'running') checkRunningQuota({ ...principal, tenant: environments.get(principal, params.id!).tenant });
          sendJson(response, 202, toPublicEnvironment(await environments[verb](principal, params.id!)));
        },
      }),
    ),
    {
      method: 'GET',
      path: '/v1/environments/:id/logs',
      handler: async ({ response, principal, params, url }) => {
        const record = environments.get(principal, params.id!);
        const offsetText = url.searchParams.get('offset') ?? '0';
        const offset = Number(offsetText);
        if (!Number.isSafeInteger(offset) || offset < 0) throw new CodeboltError('bad-request', 'offset must be a non-negative integer');
        sendJson(response, 200, await readLogChunk(join(deps.dataDir, 'logs', record.id, 'provider.log'), offset));
      },
    },
    {
      method: 'GET',
      path: '/v1/providers',
      handler: ({ response }) => sendJson(response, 200, { providers: deps.registry.list().map((definition) => providerInfo(definition, deps.providerConfig)) }),
    },
    {
      method: 'PUT',
      path: '/v1/providers/:name/config',
      handler: async ({ request, response, params }) => {
        const definition = deps.registry.get(params.name!);
        const { config } = parseData(configureProviderSchema, await readJsonBody(request), 'body');
        await deps.providerConfig.set(definition, config);
        sendJson(response, 200, providerInfo(definition, deps.providerConfig));
      },
    },
    {
      method: 'POST',
      path: '/v1/tokens',
      handler: async ({ request, response, principal, auditTarget }) => {
        const created = await issueToken(principal, await readJsonBody(request), deps.tokens);
        Object.assign(auditTarget, { tenant: created.tenant, role: created.role, operator: created.operator, subject: created.subject, expiresAt: created.expiresAt });
        sendJson(response, 201, created);
      },
    },
    {
      method: 'POST',
      path: '/v1/admin/rotate-master-key',
      handler: async ({ response, auditTarget }) => {
        const result = await deps.rotation.rotate();
        Object.assign(auditTarget, result);
        sendJson(response, 200, result);
      },
    },
    backupRoute(deps.backup),
    {
      method: 'GET',
      path: '/metrics',
      handler: async ({ response }) => sendText(response, 200, deps.metrics.contentType, await deps.metrics.render()),
    },
    {
      method: 'GET',
      path: '/openapi.json',
      handler: ({ response }) => sendJson(response, 200, deps.openApi()),
    },
  ];
}

async function readLogChunk(path: string, offset: number): Promise<{ content: string; offset: number; nextOffset: number }> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { content: '', offset, nextOffset: offset };
    throw error;
  }
  const start = Math.min(offset, size);
  const length = Math.min(size - start, LOG_CHUNK_BYTES);
  if (length === 0) return { content: '', offset: start, nextOffset: start };
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, start);
    return { content: buffer.subarray(0, bytesRead).toString('utf8'), offset: start, nextOffset: start + bytesRead };
  } finally {
    await handle.close();
  }
}
