import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { within } from './wait.js';

/** Most of a provider's output kept for failure messages, in characters. */
const MAX_OUTPUT_CHARS = 64 * 1024;

/**
 * A provider process started the way the relay starts one: `node <entry>` with a stdin pipe and
 * exactly the given environment (the relay passes a scrubbed environment too).
 */
export class ProviderChild {
  output = '';
  exitCode: number | null | undefined;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    const keep = (chunk: string): void => {
      this.output = (this.output + chunk).slice(-MAX_OUTPUT_CHARS);
    };
    child.stdout.setEncoding('utf8').on('data', keep);
    child.stderr.setEncoding('utf8').on('data', keep);
    child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        keep(`\n[spawn failed: ${error.message}]\n`);
        this.exitCode = null;
        resolve();
      });
      child.once('exit', (code) => {
        this.exitCode = code;
        resolve();
      });
    });
  }

  static start(entry: string, env: Record<string, string>): ProviderChild {
    return new ProviderChild(spawn(process.execPath, [entry], { env, stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** SIGKILLs the process (a crash: no cleanup runs) and waits until it is gone. */
  async kill(): Promise<void> {
    if (this.exitCode === undefined) this.child.kill('SIGKILL');
    await within(this.exited, `provider process ${this.child.pid} to exit after SIGKILL`);
  }
}
