import { homedir } from 'node:os';
import { CodeboltError, type Environment } from '@codebolt/protocol';
import { type CodeboltClient, createClient } from '@codebolt/sdk';
import type { Command } from 'commander';
import { CliError } from './cli-error.js';
import type { CliRun } from './cli-run.js';
import { Spinner } from './output/spinner.js';
import { resolveDataDir } from './target/data-dir.js';
import { resolveTarget, type Target } from './target/resolve-target.js';

/** Where the CLI reads and writes: the process's streams and environment, injectable for embedding. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Spinners are drawn only when stderr is a terminal. */
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  homeDir: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stderrIsTTY: Boolean(process.stderr.isTTY), env: process.env, cwd: process.cwd(), homeDir: homedir() };
}

/** The global options every command takes. */
export interface GlobalOptions {
  server?: string;
  token?: string;
  dataDir?: string;
  json?: boolean;
}

/** What a command's action works with: the global options, output helpers and the SDK client. */
export class CommandContext {
  constructor(
    readonly globals: GlobalOptions,
    private readonly run: CliRun,
  ) {}

  static of(command: Command, run: CliRun): CommandContext {
    return new CommandContext(command.optsWithGlobals<GlobalOptions>(), run);
  }

  get io(): CliIo {
    return this.run.io;
  }

  /** Sets the process exit code for a command that succeeded with a non-zero outcome (`env exec`). */
  setExitCode(code: number): void {
    this.run.exitCode = code;
  }

  get json(): boolean {
    return this.globals.json === true;
  }

  dataDir(): { display: string; path: string } {
    return resolveDataDir(this.globals.dataDir, this.io.env, this.io.cwd);
  }

  /** Resolves server and token (see resolveTarget) and creates an SDK client. */
  async client(): Promise<CodeboltClient> {
    const target = await this.target();
    try {
      return createClient({ url: target.server, token: target.token });
    } catch (error) {
      if (error instanceof CodeboltError) {
        throw new CliError(error.code, `${error.message} (server from ${target.serverSource})`, { fix: 'pass --server http://host:port, or fix CODEBOLT_SERVER / `codebolt config set server <url>`' });
      }
      throw error;
    }
  }

  /** Resolves server and token; remembers where they came from for error messages (see reportError). */
  async target(): Promise<Target> {
    const target = await resolveTarget({ flags: this.globals, env: this.io.env, cwd: this.io.cwd, homeDir: this.io.homeDir });
    this.run.target = target;
    return target;
  }

  /** Prints exactly one JSON document with --json, else the human text (a newline is added). */
  print(value: unknown, human: () => string): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    else this.io.stdout.write(`${human()}\n`);
  }

  /**
   * Runs a wait (`run` receives the SDK's onProgress callback) with a spinner on stderr showing
   * the environment's state, only when stderr is a terminal; otherwise the wait runs silently.
   */
  async withProgress<T>(label: string, run: (onProgress: ((environment: Environment) => void) | undefined) => Promise<T>): Promise<T> {
    if (!this.io.stderrIsTTY) return run(undefined);
    const spinner = new Spinner(this.io.stderr, `${label}…`);
    try {
      return await run((environment) => spinner.update(`${environment.name}: ${environment.state}…`));
    } finally {
      spinner.stop();
    }
  }
}
