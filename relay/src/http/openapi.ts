import { z } from 'zod';
import { backupRequestSchema } from './backup-route.js';
import { reconcileRequestSchema } from './reconcile-route.js';
import { createEnvironmentSchema, configureProviderSchema, createTokenRequestSchema, createdTokenSchema, environmentSchema, httpErrorSchema, logChunkSchema, providerInfoSchema } from '@codebolt/protocol';

/** The OpenAPI 3.1 document of the HTTP API, generated from the protocol's zod schemas. */
export function openApiDocument(version: string): Record<string, unknown> {
  const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
  const json = (s: z.ZodType) => ({ content: { 'application/json': { schema: schema(s) } } });
  const errors = { default: { description: 'Error: { error: { code, message } } (codes in docs/errors.md)', ...json(httpErrorSchema) } };
  const id = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'environment id or name' }];
  const environment = { description: 'the environment', ...json(environmentSchema) };
  const verb = (summary: string) => ({ post: { summary, parameters: id, responses: { '202': environment, ...errors } } });
  return {
    openapi: '3.1.0',
    info: { title: 'Codebolt relay API', version },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    security: [{ bearer: [] }],
    paths: {
      '/v1/environments': {
        get: { summary: 'List environments', responses: { '200': { description: 'environments', ...json(z.object({ environments: z.array(environmentSchema) })) }, ...errors } },
        post: {
          summary: 'Create an environment (asynchronous: state goes creating → starting → running)',
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } }],
          requestBody: { required: true, ...json(createEnvironmentSchema) },
          responses: { '201': environment, '200': { description: 'idempotent replay', ...json(environmentSchema) }, ...errors },
        },
      },
      '/v1/environments/{id}': {
        get: { summary: 'Get an environment', parameters: id, responses: { '200': environment, ...errors } },
        delete: { summary: 'Delete an environment and destroy its resource', parameters: id, responses: { '202': environment, ...errors } },
      },
      '/v1/environments/{id}/start': verb('Start (resume) an environment'),
      '/v1/environments/{id}/stop': verb('Stop an environment, keeping its resource'),
      '/v1/environments/{id}/restart': verb('Restart an environment'),
      '/v1/environments/{id}/logs': {
        get: {
          summary: "Read the environment's provider log from a byte offset",
          parameters: [...id, { name: 'offset', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } }],
          responses: { '200': { description: 'log chunk', ...json(logChunkSchema) }, ...errors },
        },
      },
      '/v1/providers': { get: { summary: 'Installed providers', responses: { '200': { description: 'providers', ...json(z.object({ providers: z.array(providerInfoSchema) })) }, ...errors } } },
      '/v1/providers/{name}/config': {
        put: {
          summary: 'Set the relay-level config of a provider (operator defaults and shared credentials)',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, ...json(configureProviderSchema) },
          responses: { '200': { description: 'provider', ...json(providerInfoSchema) }, ...errors },
        },
      },
      '/v1/tokens': {
        post: {
          summary: 'Mint an access token (tenant admin for its own tenant; relay operator for any, or an operator token)',
          requestBody: { required: true, ...json(createTokenRequestSchema) },
          responses: { '201': { description: 'the token (shown once)', ...json(createdTokenSchema) }, ...errors },
        },
      },
      '/v1/admin/rotate-master-key': {
        post: { summary: 'Re-encrypt every stored secret under a new master key (operator)', responses: { '200': { description: '{ previousKeyId, keyId, reencrypted }' }, ...errors } },
      },
      '/v1/admin/reconcile': {
        post: {
          summary: 'Run one reconcile pass now: reattach stalled records, find orphaned resources (destroyed once past the grace period), report lost ones; dryRun only reports (operator)',
          requestBody: { required: false, ...json(reconcileRequestSchema) },
          responses: { '200': { description: '{ dryRun, retried, orphans, reaped, lost, failures }' }, ...errors },
        },
      },
      '/v1/admin/backup': {
        post: {
          summary: 'Stream a consistent tar.gz backup of the data dir: records, audit log, installation id, provider config (secrets encrypted), workspaces; never the master key (operator)',
          requestBody: { required: false, ...json(backupRequestSchema) },
          responses: { '200': { description: 'the archive', content: { 'application/gzip': { schema: { type: 'string', contentMediaType: 'application/gzip' } } } }, ...errors },
        },
      },
      '/health': { get: { summary: 'Liveness (no credential needed)', security: [], responses: { '200': { description: 'ok' } } } },
      '/ready': {
        get: { summary: 'Readiness (no credential needed): store loaded and boot reconcile done', security: [], responses: { '200': { description: 'ready' }, '503': { description: 'starting or shutting down' } } },
      },
      '/v1/whoami': { get: { summary: 'Who the bearer token says the caller is (subject, tenant, role, operator)', responses: { '200': { description: 'the principal' }, ...errors } } },
      '/metrics': { get: { summary: 'Prometheus metrics (operator)', responses: { '200': { description: 'text exposition format' } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
  };
}
