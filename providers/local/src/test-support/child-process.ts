import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { within } from './report-server.js';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A `node <script>` child process with piped stdio; its output is kept for assertions. */
export class NodeChild {
  stdout = '';
  stderr = '';
  readonly exited: Promise<ChildExit>;
  private exit: ChildExit | undefined;

  private constructor(readonly process: ChildProcessWithoutNullStreams) {
    process.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    process.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    process.stdin.on('error', () => {});
    this.exited = new Promise((resolve, reject) => {
      process.once('error', reject);
      process.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /** Starts `node script` with exactly `env` (plus PATH). */
  static start(script: string, env: Record<string, string>): NodeChild {
    const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    return new NodeChild(child);
  }

  get pid(): number {
    return this.process.pid!;
  }

  async waitForExit(what: string, timeoutMs?: number): Promise<ChildExit> {
    return within(this.exited, `${what} (stderr: ${this.stderr.trim() || 'empty'})`, timeoutMs);
  }

  /** SIGKILLs the process if it is still running and waits until it is gone. */
  async kill(): Promise<void> {
    if (this.exit === undefined) this.process.kill('SIGKILL');
    await within(this.exited, `process ${this.process.pid} to exit after SIGKILL`);
  }
}
