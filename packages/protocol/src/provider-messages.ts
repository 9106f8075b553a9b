import { z } from 'zod';

/**
 * Messages between the relay and a provider process on `/v1/provider`. The relay sends requests
 * (`providerStart`, `providerAttach`, `providerStop`, `providerList`, `providerHealth`) with an
 * `id`; the provider answers with the same type and `re`. The provider sends `providerHello` first
 * (a request), then `heartbeat`, `resourceState` and `log` events whenever it likes.
 */

export const providerHelloSchema = z.object({
  provider: z.string().min(1).max(64),
  version: z.string().max(64),
  pid: z.number().int(),
});

export const environmentRefSchema = z.object({
  id: z.string(),
  name: z.string(),
  tenant: z.string(),
});

/** Where and how the runtime dials back: URL of `/v1/runtime` and a runtime token. */
export const runtimeConnectSchema = z.object({ url: z.string(), token: z.string() });
export type RuntimeConnect = z.infer<typeof runtimeConnectSchema>;

/**
 * Make the environment's resource run a runtime that dials back with `runtime`.
 * Without `resourceId`: create a resource (tagged with `creationToken`). With it: resume that
 * resource (if a runtime is already running in it, replace that runtime so the new token is used).
 */
export const providerStartSchema = z.object({
  environment: environmentRefSchema,
  resourceId: z.string().optional(),
  creationToken: z.string(),
  config: z.record(z.string(), z.unknown()),
  runtime: runtimeConnectSchema,
});
export type ProviderStartRequest = z.infer<typeof providerStartSchema>;
export const providerStartResultSchema = z.object({
  resourceId: z.string().min(1).max(512),
  outcome: z.enum(['created', 'resumed']),
});

/** Look for an existing resource without changing it. */
export const providerAttachSchema = z.object({
  environment: environmentRefSchema,
  resourceId: z.string(),
  config: z.record(z.string(), z.unknown()),
});
export const resourceStatusSchema = z.enum(['running', 'stopped', 'gone']);
export type ResourceStatus = z.infer<typeof resourceStatusSchema>;
export const providerAttachResultSchema = z.object({ status: resourceStatusSchema, detail: z.string().optional() });

/** `stop` keeps the resource (suspend, pause or stop); `destroy` removes it. Never the same. */
export const providerStopSchema = z.object({
  environment: environmentRefSchema,
  resourceId: z.string(),
  mode: z.enum(['stop', 'destroy']),
  config: z.record(z.string(), z.unknown()),
});

export const providerListSchema = z.object({ config: z.record(z.string(), z.unknown()) });
export const listedResourceSchema = z.object({
  resourceId: z.string(),
  environmentId: z.string().optional(),
  status: resourceStatusSchema,
});
export type ListedResource = z.infer<typeof listedResourceSchema>;
export const providerListResultSchema = z.object({ resources: z.array(listedResourceSchema) });

export const providerHealthSchema = z.object({ config: z.record(z.string(), z.unknown()) });
export const providerHealthResultSchema = z.object({ ok: z.boolean(), message: z.string().optional() });

/** The app requests a provider with the `files` capability serves while the runtime is away. */
export const PROVIDER_FILE_REQUEST_TYPES = ['fs.read', 'fs.list', 'diff'] as const;
/** The provider capability that makes the relay route `PROVIDER_FILE_REQUEST_TYPES` to it while the runtime is not connected. */
export const FILES_CAPABILITY = 'files';

/**
 * An app's `fs.read`, `fs.list` or `diff` for a stopped environment, served by a provider that
 * declares the `files` capability (a stopped worktree, a vendor's files API). `request.data` is
 * the app request's data, already validated; the answer's `data` has the runtime's answer shape.
 */
export const providerFilesSchema = z.object({
  environment: environmentRefSchema,
  resourceId: z.string(),
  config: z.record(z.string(), z.unknown()),
  request: z.object({ type: z.enum(PROVIDER_FILE_REQUEST_TYPES), data: z.unknown() }),
});
export const providerFilesResultSchema = z.object({ data: z.unknown() });

export const heartbeatSchema = z.object({}).passthrough();
export const resourceStateSchema = z.object({
  resourceId: z.string(),
  status: resourceStatusSchema,
  reason: z.string().max(4096).optional(),
});
export const providerLogSchema = z.object({
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string().max(16384),
});

export const providerRequestSchemas = {
  providerStart: providerStartSchema,
  providerAttach: providerAttachSchema,
  providerStop: providerStopSchema,
  providerList: providerListSchema,
  providerHealth: providerHealthSchema,
  providerFiles: providerFilesSchema,
} as const;
export type ProviderRequestType = keyof typeof providerRequestSchemas;

export const providerResultSchemas = {
  providerStart: providerStartResultSchema,
  providerAttach: providerAttachResultSchema,
  providerStop: z.object({}).passthrough(),
  providerList: providerListResultSchema,
  providerHealth: providerHealthResultSchema,
  providerFiles: providerFilesResultSchema,
} as const;

export const providerEventSchemas = {
  heartbeat: heartbeatSchema,
  resourceState: resourceStateSchema,
  log: providerLogSchema,
} as const;
