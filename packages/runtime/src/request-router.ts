import {
  APP_REQUEST_TYPES,
  CodeboltError,
  diffRequestSchema,
  envelope,
  errorEnvelope,
  execRequestSchema,
  fsListRequestSchema,
  fsReadRequestSchema,
  fsRemoveRequestSchema,
  fsWriteRequestSchema,
  isAppRequestType,
  parseData,
  processKillSchema,
  type AppRequestType,
  type Envelope,
} from '@codebolt/protocol';
import { diffWorkspace } from './handlers/diff.js';
import { startExec } from './handlers/exec.js';
import { listWorkspaceDirectory } from './handlers/fs-list.js';
import { readWorkspaceFile } from './handlers/fs-read.js';
import { removeWorkspacePath } from './handlers/fs-remove.js';
import { writeWorkspaceFile } from './handlers/fs-write.js';
import { deliverMessage, type MessageHandler } from './handlers/message.js';
import { killProcess } from './handlers/process-kill.js';
import type { ProcessTable } from './process-table.js';
import { RequestJournal, type RequestJournalLimits } from './request-journal.js';
import type { Workspace } from './workspace/confine-path.js';

/** What requests need once the runtime has opened its workspace and made (or found) the baseline. */
export interface PreparedWorkspace {
  workspace: Workspace;
  /** The baseline directory, or why it could not be made (then only `diff` fails). */
  baseline: { directory: string } | { error: CodeboltError };
}

export interface RequestRouterOptions {
  /** Settles when the workspace is ready; requests wait for it, so the baseline predates every change. */
  prepared: Promise<PreparedWorkspace>;
  processes: ProcessTable;
  send: (frame: Envelope) => void;
  environment: () => Record<string, string>;
  logger: (line: string) => void;
  onMessage: MessageHandler | undefined;
  /** Aborts long work (diff walks) when the runtime closes. */
  signal: AbortSignal;
  /** Bounds of the idempotency window (see {@link RequestJournal}). */
  journal?: RequestJournalLimits;
}

/** Serves app requests; `drained()` resolves when the request being served (if any) is done. */
export interface RequestRouter {
  dispatch(message: Envelope): void;
  drained(): Promise<void>;
}

/**
 * Creates the router that serves app requests forwarded by the relay. Requests are served one
 * at a time in arrival order (an exec counts as served once spawned; its process runs on), so
 * a read after a write sees the write. Every request is answered with its own `type` and
 * `re` = its id: data on success, `error: { code, message }` on failure. Unknown types with an id
 * get `unsupported`; frames without an id other than `message` are logged and dropped. Once
 * `signal` has aborted, new requests are ignored. A request whose id was seen before is not
 * served twice (see {@link RequestJournal}): a repeat of one still running is ignored, a repeat
 * of one answered gets the same answer again (or `outcome-unknown` once that answer is no longer
 * kept), and an id reused for a different request gets `conflict`.
 */
export function createRequestRouter(input: RequestRouterOptions): RequestRouter {
  const journal = new RequestJournal(input.journal);
  const options: RequestRouterOptions = {
    ...input,
    send: (frame) => {
      journal.observe(frame);
      input.send(frame);
    },
  };
  let queue: Promise<void> = Promise.resolve();
  const dispatch = (message: Envelope): void => {
    const { type, id } = message;
    if (options.signal.aborted) return;
    if (id === undefined) {
      if (type === 'message') queue = queue.then(() => deliverMessage(options.onMessage, undefined, message.data, options.send, options.logger));
      else options.logger(`ignored a '${type}' frame without an id`);
      return;
    }
    if (!isAppRequestType(type)) {
      options.send(
        errorEnvelope(type, { code: 'unsupported', message: `this runtime does not serve '${type}'; it serves ${APP_REQUEST_TYPES.join(', ')}` }, id),
      );
      return;
    }
    const verdict = journal.admit(id, type, message.data);
    switch (verdict.kind) {
      case 'serve':
        queue = queue.then(() => serve(options, type, id, message.data));
        return;
      case 'in-progress':
        options.logger(`ignored a repeat of ${type} ${id}, which is still being served`);
        return;
      case 'replay':
        options.logger(`answered a repeat of ${type} ${id} with its earlier answer`);
        input.send(verdict.answer);
        return;
      case 'forgotten':
        input.send(errorEnvelope(type, { code: 'outcome-unknown', message: `${type} ${id} was received before, but its answer is no longer kept; check what it would have changed before retrying with a new id` }, id));
        return;
      case 'mismatch':
        input.send(errorEnvelope(type, { code: 'conflict', message: `request id '${id}' was already used for a different request; use a new request id` }, id));
        return;
    }
  };
  return { dispatch, drained: () => queue };
}

async function serve(options: RequestRouterOptions, type: AppRequestType, id: string, data: unknown): Promise<void> {
  const reply = (result: unknown): void => options.send(envelope(type, { re: id, data: result }));
  try {
    const { workspace, baseline } = await options.prepared;
    switch (type) {
      case 'exec':
        await startExec(
          { workspace, processes: options.processes, send: options.send, environment: options.environment, logger: options.logger },
          id,
          parseData(execRequestSchema, data, 'exec data'),
        );
        return;
      case 'process-kill':
        return reply(killProcess(options.processes, id, parseData(processKillSchema, data, 'process-kill data')));
      case 'fs.read':
        return reply(await readWorkspaceFile(workspace, parseData(fsReadRequestSchema, data, 'fs.read data')));
      case 'fs.write':
        return reply(await writeWorkspaceFile(workspace, parseData(fsWriteRequestSchema, data, 'fs.write data')));
      case 'fs.list':
        return reply(await listWorkspaceDirectory(workspace, parseData(fsListRequestSchema, data, 'fs.list data')));
      case 'fs.remove':
        return reply(await removeWorkspacePath(workspace, parseData(fsRemoveRequestSchema, data, 'fs.remove data')));
      case 'diff': {
        const request = parseData(diffRequestSchema, data, 'diff data');
        if ('error' in baseline) throw baseline.error;
        return reply(await diffWorkspace(workspace, baseline.directory, request, options.signal));
      }
      case 'message':
        return deliverMessage(options.onMessage, id, data, options.send, options.logger);
    }
  } catch (error) {
    const failure = CodeboltError.from(error, `${type} failed inside the runtime; see the runtime log`);
    if (failure.code === 'internal' && failure.cause !== undefined) {
      options.logger(`${type} ${id} failed: ${failure.cause instanceof Error ? failure.cause.message : String(failure.cause)}`);
    }
    options.send(errorEnvelope(type, failure.toBody(), id));
  }
}
