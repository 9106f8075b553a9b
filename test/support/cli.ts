import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
export const CLI_BIN = join(ROOT, 'packages/cli/dist/bin.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment for CLI and relay processes of one test: its own data dir and config home, nothing inherited that could point elsewhere. */
export function cliEnvironment(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CODEBOLT_HOME: dataDir, XDG_CONFIG_HOME: join(dataDir, '..', 'config'), ...extra };
  delete env.CODEBOLT_SERVER;
  delete env.CODEBOLT_TOKEN;
  if (extra.CODEBOLT_SERVER) env.CODEBOLT_SERVER = extra.CODEBOLT_SERVER;
  if (extra.CODEBOLT_TOKEN) env.CODEBOLT_TOKEN = extra.CODEBOLT_TOKEN;
  return env;
}

/** Runs `codebolt <args>` to completion (bounded by timeoutMs) and collects its output. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}

/** Runs a CLI command with --json and parses its single JSON document; throws with stderr on failure. */
export async function cliJson<T = Record<string, unknown>>(args: string[], env: NodeJS.ProcessEnv): Promise<T> {
  const result = await runCli([...args, '--json'], env);
  if (result.code !== 0) throw new Error(`codebolt ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

export interface RelayProcess {
  child: ChildProcess;
  url: string;
  port: number;
  output(): string;
  /** Sends a signal and waits for the process to exit; returns its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `codebolt serve` as a real process and waits until /health answers. */
export async function startRelayProcess(dataDir: string, port = 0, extraEnv: Record<string, string> = {}): Promise<RelayProcess> {
  const child = spawn(process.execPath, [CLI_BIN, 'serve', '--port', String(port), '--data-dir', dataDir], {
    env: cliEnvironment(dataDir, extraEnv),
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolvePromise, reject) => {
    const onData = () => {
      const match = /listening on (http:\/\/[^\s)]+)/.exec(output);
      if (match?.[1]) {
        child.stdout!.off('data', onData);
        resolvePromise(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(() => reject(new Error(`relay exited before listening:\n${output}`)));
  });
  const health = await fetch(`${url}/health`);
  if (!health.ok) throw new Error(`relay /health answered ${health.status}`);
  return {
    child,
    url,
    port: Number(new URL(url).port),
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

export async function adminToken(dataDir: string): Promise<string> {
  return (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
}
