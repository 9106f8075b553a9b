import { z } from 'zod';

/**
 * What the provider sends to the control program on the remote host (one JSON document on its
 * stdin — never argv, so the runtime token never appears in a command line) and what it answers
 * (one JSON document on stdout). Shared by both sides; both parse with these schemas.
 */

/** An absolute POSIX path of plain segments: no `.`/`..`, no spaces, quotes, `%` or shell metacharacters. */
export const REMOTE_PATH = /^(?:\/[A-Za-z0-9._+@=,~-]+)+$/;

/** Whether `path` is a plain absolute path: {@link REMOTE_PATH} and no `.` or `..` segment. */
export function isPlainRemotePath(path: string): boolean {
  return REMOTE_PATH.test(path) && !path.split('/').some((segment) => segment === '.' || segment === '..');
}
/** One directory name: an environment or installation id. */
export const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

export const remotePathSchema = z
  .string()
  .max(1024)
  .refine(isPlainRemotePath, 'an absolute path of letters, digits and ._+@=,~- (no spaces, no . or .. segments)');

const segmentSchema = z.string().regex(SAFE_SEGMENT, 'letters, digits, ".", "_" and "-"');
const variablesSchema = z.record(z.string().min(1).regex(/^[^=\0]+$/), z.string().regex(/^[^\0]*$/)).optional();

/** How long a stop waits after SIGTERM (and again after SIGKILL), in ms. */
const stopTimeoutMsSchema = z.number().int().positive().max(600_000);

export const controlRequestSchema = z.discriminatedUnion('command', [
  /** Node version and platform: health checks and a first connection. */
  z.object({ command: z.literal('ping') }),
  /**
   * `create`: makes the environment dir (with resource.json) or finds the one an earlier attempt
   * with the same creation token made; `start`: needs the workspace to exist. Both replace any
   * running runtime with a new one that dials `runtime.url` with `runtime.token`.
   */
  z.object({
    command: z.literal('launch'),
    mode: z.enum(['create', 'start']),
    envDir: remotePathSchema,
    installationId: segmentSchema,
    environmentId: segmentSchema,
    creationToken: z.string().min(1).max(512),
    runtime: z.object({ url: z.string().min(1).max(4096), token: z.string().min(1).max(8192) }),
    env: variablesSchema,
    secretEnv: variablesSchema,
    stopTimeoutMs: stopTimeoutMsSchema,
  }),
  z.object({ command: z.literal('status'), envDir: remotePathSchema, installationId: segmentSchema }),
  z.object({ command: z.literal('stop'), envDir: remotePathSchema, installationId: segmentSchema, stopTimeoutMs: stopTimeoutMsSchema }),
  z.object({ command: z.literal('destroy'), envDir: remotePathSchema, installationId: segmentSchema, stopTimeoutMs: stopTimeoutMsSchema }),
  z.object({ command: z.literal('list'), installationDir: remotePathSchema, installationId: segmentSchema }),
]);
export type ControlRequest = z.infer<typeof controlRequestSchema>;

export const pingResultSchema = z.object({ node: z.string(), platform: z.string() });
export const launchResultSchema = z.object({ pid: z.number().int(), startTime: z.string() });
export const statusResultSchema = z.object({ status: z.enum(['running', 'stopped', 'gone']), detail: z.string() });
export const listResultSchema = z.object({
  resources: z.array(z.object({ envDir: remotePathSchema, environmentId: z.string(), status: z.enum(['running', 'stopped', 'gone']) })),
});
export const emptyResultSchema = z.object({});

/** The control program's one line of output. `code` is a Codebolt error code. */
export const controlResponseSchema = z.union([
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), code: z.string(), message: z.string() }),
]);
export type ControlResponse = z.infer<typeof controlResponseSchema>;

/** `resource.json` in every environment dir: who made it. */
export const resourceRecordSchema = z.object({
  installationId: z.string(),
  environmentId: z.string(),
  creationToken: z.string(),
  createdAt: z.string(),
});
export type ResourceRecord = z.infer<typeof resourceRecordSchema>;
