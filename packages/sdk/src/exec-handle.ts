import { CodeboltError, type Envelope, type ProcessExit, parseData, processExitSchema, processOutputSchema } from '@codebolt/protocol';
import { AsyncQueue } from './async-queue.js';
import { base64ToBytes } from './base64.js';

export type KillSignal = 'SIGTERM' | 'SIGKILL' | 'SIGINT' | 'SIGHUP';

/** One piece of a process's output, as raw bytes (decode with TextDecoder for text). */
export interface OutputChunk {
  stream: 'stdout' | 'stderr';
  data: Uint8Array;
}

/**
 * A running remote process.
 * - `output` yields stdout and stderr chunks in arrival order and ends after the process exits.
 *   It may be iterated once; chunks are buffered until then.
 * - `exit` resolves with `{ code, signal, error? }`: `code` null when a signal ended it; `error`
 *   set (code 127) when the program could not start, e.g. `command-not-found`. It rejects with a
 *   CodeboltError when the relay refused the exec or the channel closed before the end.
 * - `kill(signal = 'SIGTERM')` sends `process-kill`; a no-op once the process has ended.
 */
export interface ExecHandle {
  readonly id: string;
  readonly output: AsyncIterable<OutputChunk>;
  readonly exit: Promise<ProcessExit>;
  kill(signal?: KillSignal): void;
}

/** The channel's side of an exec: receives the frames whose `re` is the exec id. */
export class ExecStream implements ExecHandle {
  readonly output: AsyncQueue<OutputChunk> = new AsyncQueue();
  readonly exit: Promise<ProcessExit>;
  private resolveExit!: (exit: ProcessExit) => void;
  private rejectExit!: (error: unknown) => void;
  private ended = false;

  constructor(
    readonly id: string,
    private readonly sendKill: (id: string, signal: KillSignal) => void,
  ) {
    this.exit = new Promise((resolve, reject) => {
      this.resolveExit = resolve;
      this.rejectExit = reject;
    });
    // A caller that only reads `output` still sees the failure there; don't report it twice.
    this.exit.catch(() => undefined);
  }

  get settled(): boolean {
    return this.ended;
  }

  kill(signal: KillSignal = 'SIGTERM'): void {
    if (this.ended) return;
    this.sendKill(this.id, signal);
  }

  /** Takes one frame with `re` = this exec's id. Throws CodeboltError('bad-request') on a malformed one. */
  receive(frame: Envelope): void {
    if (this.ended) return;
    if (frame.error) {
      this.fail(new CodeboltError(frame.error.code, frame.error.message));
      return;
    }
    if (frame.type === 'process-output') {
      const output = parseData(processOutputSchema, frame.data, 'process-output');
      this.output.push({ stream: output.stream, data: base64ToBytes(output.chunk) });
    } else if (frame.type === 'process-exit') {
      const exit = parseData(processExitSchema, frame.data, 'process-exit');
      this.ended = true;
      this.output.end();
      this.resolveExit(exit);
    }
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.output.fail(error);
    this.rejectExit(error);
  }
}
