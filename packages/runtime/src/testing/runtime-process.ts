import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Test support: the built `dist/bin.js` as a real child process. */
export const RUNTIME_BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

export interface RuntimeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The bin's environment variables; a variable set to undefined is left out. */
export interface RuntimeProcessEnvironment {
  CODEBOLT_RUNTIME_URL?: string | undefined;
  CODEBOLT_RUNTIME_TOKEN?: string | undefined;
  CODEBOLT_WORKSPACE?: string | undefined;
  CODEBOLT_RUNTIME_STATE_DIR?: string | undefined;
  [name: string]: string | undefined;
}

/** A running `node dist/bin.js`, with its stderr captured and its exit awaited. */
export class RuntimeProcess {
  stderr = '';
  readonly exited: Promise<RuntimeExit>;
  private exit: RuntimeExit | undefined;
  private stderrWaiters: Array<{ pattern: RegExp; resolve: () => void }> = [];

  private constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
      for (const waiter of [...this.stderrWaiters]) {
        if (!waiter.pattern.test(this.stderr)) continue;
        this.stderrWaiters.splice(this.stderrWaiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  }

  /** Spawns the bin with exactly PATH, HOME and the given variables. Throws if dist is not built. */
  static start(environment: RuntimeProcessEnvironment): RuntimeProcess {
    if (!existsSync(RUNTIME_BIN)) throw new Error(`${RUNTIME_BIN} is missing; run pnpm build in packages/runtime first`);
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
    for (const [name, value] of Object.entries(environment)) if (value !== undefined) env[name] = value;
    const child = spawn(process.execPath, [RUNTIME_BIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.on('error', () => undefined);
    child.stdout?.resume();
    return new RuntimeProcess(child);
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Resolves once stderr (so far or later) matches `pattern`. */
  waitForStderr(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    if (pattern.test(this.stderr)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        pattern,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.stderrWaiters.splice(this.stderrWaiters.indexOf(waiter), 1);
        reject(new Error(`timed out waiting for ${pattern} on the runtime's stderr; it said:\n${this.stderr}`));
      }, timeoutMs);
      this.stderrWaiters.push(waiter);
    });
  }

  /** Waits for the exit, failing after `timeoutMs`. */
  async waitForExit(timeoutMs = 30_000): Promise<RuntimeExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`the runtime did not exit within ${timeoutMs} ms; stderr:\n${this.stderr}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Stops the process for cleanup: SIGTERM, and the exit code must be 0 within 20 s. Otherwise
   * it is SIGKILLed and this throws, so a runtime that does not stop cleanly fails the test.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    try {
      const exit = await this.waitForExit(20_000);
      if (exit.code !== 0) throw new Error(`the runtime exited with ${exit.code ?? exit.signal} on SIGTERM; stderr:\n${this.stderr}`);
    } catch (error) {
      this.child.kill('SIGKILL');
      await this.exited;
      throw error;
    }
  }
}
