import { cursorSchema } from './envelope.js';
import { z } from 'zod';

/**
 * Messages between apps and runtimes, brokered by the relay. Apps send requests with an `id`;
 * the runtime answers with the same `type` and `re` = that id. `exec` answers with a stream:
 * `process-output` events and one final `process-exit`, each with `re` = the exec request id.
 */

/** Workspace-relative path (absolute paths are taken as relative to the workspace root). */
const workspacePath = z.string().min(1).max(4096);
const encodingSchema = z.enum(['utf8', 'base64']);

export const execRequestSchema = z
  .object({
    command: z.string().min(1).max(4096),
    args: z.array(z.string().max(131072)).max(4096).default([]),
    /** Working directory relative to the workspace root. Default: the root. */
    cwd: workspacePath.optional(),
    env: z.record(z.string(), z.string()).optional(),
    /** Bytes written to the process's stdin, base64; stdin is closed afterwards. */
    stdin: z.string().optional(),
    /** Kill the process (SIGKILL) after this many milliseconds. Default: no limit. */
    timeoutMs: z.number().int().positive().max(86_400_000).optional(),
  })
  .strict();
export type ExecRequest = z.input<typeof execRequestSchema>;

/** A chunk of a process's output; `chunk` is base64 so any bytes survive. */
export const processOutputSchema = z.object({
  stream: z.enum(['stdout', 'stderr']),
  chunk: z.string(),
});
export type ProcessOutput = z.infer<typeof processOutputSchema>;

/**
 * The end of an exec. `code` is the exit code (null when killed by a signal or never started);
 * `error` is set when the process could not be started (e.g. `command-not-found`).
 */
export const processExitSchema = z.object({
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type ProcessExit = z.infer<typeof processExitSchema>;

/** Sends a signal to a running exec; `process` is the exec request id. */
export const processKillSchema = z.object({
  process: z.string().min(1).max(200),
  signal: z.enum(['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP']).default('SIGTERM'),
});

export const fsReadRequestSchema = z.object({ path: workspacePath, encoding: encodingSchema.default('utf8') }).strict();
export const fsReadResultSchema = z.object({ content: z.string(), encoding: encodingSchema, size: z.number().int() });

export const fsWriteRequestSchema = z
  .object({ path: workspacePath, content: z.string(), encoding: encodingSchema.default('utf8'), createParents: z.boolean().default(true) })
  .strict();
export const fsWriteResultSchema = z.object({ size: z.number().int() });

export const fsListRequestSchema = z.object({ path: workspacePath.default('.') }).strict();
export const fsEntrySchema = z.object({
  name: z.string(),
  type: z.enum(['file', 'directory', 'symlink', 'other']),
  size: z.number().int(),
});
export const fsListResultSchema = z.object({ entries: z.array(fsEntrySchema) });
export type FsEntry = z.infer<typeof fsEntrySchema>;

export const fsRemoveRequestSchema = z.object({ path: workspacePath, recursive: z.boolean().default(false) }).strict();

export const diffRequestSchema = z.object({ path: workspacePath.optional() }).strict();
export const diffFileSchema = z.object({ path: z.string(), status: z.enum(['added', 'modified', 'deleted']) });
export const diffResultSchema = z.object({ diff: z.string(), files: z.array(diffFileSchema) });
export type DiffResult = z.infer<typeof diffResultSchema>;

/** Opaque payload of the hosted product's own protocol; the relay never looks inside. */
export const opaqueMessageSchema = z.unknown();

/** First frame a runtime sends after connecting (a request: the relay answers with `re`). */
export const runtimeHelloSchema = z.object({
  version: z.string().max(64),
  pid: z.number().int(),
  workspace: z.string().max(4096).optional(),
  /** Names this runtime process's outbound stream (its `seq` numbers); random per process. */
  stream: z.string().min(1).max(64).optional(),
  /** The relay→runtime stream the runtime has seen: the relay's epoch and the highest seq received in order. */
  received: cursorSchema.optional(),
});
/**
 * The relay's answer to `hello`. `epoch` names the relay→runtime stream (a different epoch than
 * the runtime saw means its numbering restarted); `ack` is the highest seq of the runtime's
 * `stream` the relay holds: the runtime drops what it retains up to it and resends the rest.
 */
export const runtimeWelcomeSchema = z.object({
  environmentId: z.string(),
  generation: z.number().int(),
  epoch: z.string().optional(),
  ack: z.number().int().nonnegative().optional(),
});

/** relay → runtime: a fresh runtime token to use on the next reconnect. */
export const runtimeTokenSchema = z.object({ token: z.string().min(1) });

/** The request types an app may send toward the runtime, with their data schemas. */
export const appRequestSchemas = {
  exec: execRequestSchema,
  'process-kill': processKillSchema,
  'fs.read': fsReadRequestSchema,
  'fs.write': fsWriteRequestSchema,
  'fs.list': fsListRequestSchema,
  'fs.remove': fsRemoveRequestSchema,
  diff: diffRequestSchema,
  message: opaqueMessageSchema,
} as const;
export type AppRequestType = keyof typeof appRequestSchemas;
export const APP_REQUEST_TYPES = Object.keys(appRequestSchemas) as AppRequestType[];

export function isAppRequestType(type: string): type is AppRequestType {
  return Object.prototype.hasOwnProperty.call(appRequestSchemas, type);
}

/** Frames a runtime sends toward apps (answers and events). */
export const RUNTIME_EVENT_TYPES = ['process-output', 'process-exit', 'message'] as const;
