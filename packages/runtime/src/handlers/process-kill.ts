import { CodeboltError } from '@codebolt/protocol';
import type { ProcessTable } from '../process-table.js';
import type { ProcessKillRequestData } from './request-types.js';

/**
 * `process-kill`: sends `signal` (default SIGTERM) to the process group of the running exec
 * named by `process` (its exec request id). Its `process-exit` follows on the exec's stream.
 * Throws `not-found` when no such exec is running.
 */
export function killProcess(processes: ProcessTable, requestId: string, request: ProcessKillRequestData): Record<string, never> {
  const running = processes.find(request.process, requestId);
  if (!running || !processes.signal(running, request.signal)) {
    throw new CodeboltError('not-found', `no running process for exec '${request.process}'; it has already exited or never started`);
  }
  return {};
}
