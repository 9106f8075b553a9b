import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { CodeboltError, envelope, type Envelope, type ProcessExit } from '@codebolt/protocol';
import type { ProcessTable } from '../process-table.js';
import { confinePath, type Workspace } from '../workspace/confine-path.js';
import { fsError } from '../workspace/fs-errors.js';
import type { ExecRequestData } from './request-types.js';

export interface ExecContext {
  workspace: Workspace;
  processes: ProcessTable;
  /** Sends a frame toward the apps (queued by the connection while the relay is away). */
  send: (frame: Envelope) => void;
  /** The inherited environment of exec'd programs (already scrubbed of runtime secrets). */
  environment: () => Record<string, string>;
  logger: (line: string) => void;
}

/**
 * `exec`: starts `command args…` in its own process group with the working directory confined
 * to the workspace, and resolves once it is spawned. From then on the exec answers itself:
 * `process-output { stream, chunk }` (base64) frames in arrival order, then exactly one
 * `process-exit { code, signal, error? }` after stdout and stderr have both ended, all with
 * `re` = `id`. A program that cannot be started ends with code 127 and `command-not-found`;
 * `timeoutMs` SIGKILLs the group and adds `error.code = timeout`.
 *
 * Throws (before anything runs) `bad-request`, `path-outside-workspace`, `file-not-found` (cwd)
 * or `conflict` (an exec with this id is still running).
 */
export async function startExec(context: ExecContext, id: string, request: ExecRequestData): Promise<void> {
  const cwd = request.cwd === undefined ? context.workspace.root : (await confinePath(context.workspace, request.cwd, { follow: true })).absolute;
  try {
    if (!(await stat(cwd)).isDirectory()) throw new CodeboltError('bad-request', `exec cwd '${request.cwd}' is not a directory`);
  } catch (error) {
    throw fsError(error, request.cwd ?? '.');
  }
  if (context.processes.has(id)) throw new CodeboltError('conflict', `an exec with id '${id}' is still running; use a new request id`);

  let child: ChildProcess;
  try {
    child = spawn(request.command, request.args, { cwd, env: { ...context.environment(), ...request.env }, detached: true, stdio: 'pipe' });
  } catch (error) {
    throw new CodeboltError('bad-request', `cannot start '${request.command}': ${(error as Error).message}`, { cause: error });
  }

  let resolveFinished: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (resolveFinished = resolve));
  let finished = false;
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const finish = (exit: ProcessExit): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    context.processes.delete(id);
    context.send(envelope('process-exit', { re: id, data: exit }));
    resolveFinished();
  };
  const output = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    context.send(envelope('process-output', { re: id, data: { stream, chunk: chunk.toString('base64') } }));
  };

  child.on('error', (error: NodeJS.ErrnoException) => {
    if (child.pid === undefined) finish(notStarted(request.command, error));
    else context.logger(`exec ${id}: ${error.message}`);
  });
  child.on('close', (code, signal) => {
    if (child.pid === undefined) return;
    const exit: ProcessExit = { code, signal };
    if (timedOut) exit.error = { code: 'timeout', message: `the process ran longer than timeoutMs (${request.timeoutMs} ms) and was killed` };
    finish(exit);
  });
  child.stdout?.on('data', output('stdout')).on('error', () => undefined);
  child.stderr?.on('data', output('stderr')).on('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  if (request.stdin !== undefined) child.stdin?.end(Buffer.from(request.stdin, 'base64'));
  else child.stdin?.end();

  if (child.pid !== undefined) {
    context.processes.add({ id, child, ended });
    if (request.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        if (child.pid !== undefined) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        }
      }, request.timeoutMs);
    }
  }
}

function notStarted(command: string, error: NodeJS.ErrnoException): ProcessExit {
  if (error.code === 'ENOENT' || error.code === 'EACCES') {
    const message =
      error.code === 'ENOENT'
        ? `'${command}' was not found in PATH inside the workspace; install it in the resource or pass its absolute path`
        : `'${command}' cannot be executed inside the workspace (permission denied); make it executable or run it through a shell`;
    return { code: 127, signal: null, error: { code: 'command-not-found', message } };
  }
  return {
    code: null,
    signal: null,
    error: { code: 'internal', message: `could not start '${command}' (${error.code ?? error.message}); the resource may be out of processes or file descriptors` },
  };
}
