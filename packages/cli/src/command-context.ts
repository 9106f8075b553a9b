import { homedir } from 'node:os';
import { CodeboltError, type Environment } from '@codebolt/protocol';
import { type CodeboltClient, createClient } from '@codebolt/sdk';
import type { Command } from 'commander';
import { CliError } from './cli-error.js';
import type { CliRun } from './cli-run.js';
import { resolveDataDir } from './target/data-dir.js';
import { resolveTarget, type Target } from './target/resolve-target.js';

/** Where the CLI reads and writes: the process's streams and environment, injectable for embedding. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Progress lines are written only when stderr is a terminal. */
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

  target(): Promise<Target> {
    return resolveTarget({ flags: this.globals, env: this.io.env, cwd: this.io.cwd, homeDir: this.io.homeDir });
  }

  /** Prints exactly one JSON document with --json, else the human text (a newline is added). */
  print(value: unknown, human: () => string): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    else this.io.stdout.write(`${human()}\n`);
  }

  /** A progress callback for waits: one stderr line per state change, only on a terminal. */
  progress(): ((environment: Environment) => void) | undefined {
    if (!this.io.stderrIsTTY) return undefined;
    let last = '';
    return (environment) => {
      if (environment.state === last) return;
      last = environment.state;
      this.io.stderr.write(`${environment.name}: ${environment.state}…\n`);
    };
  }
}
