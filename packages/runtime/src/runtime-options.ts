import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { CodeboltError } from '@codebolt/protocol';
import type { MessageHandler } from './handlers/message.js';
import { RUNTIME_VERSION } from './version.js';

/** Options of {@link startRuntime}. */
export interface RuntimeOptions {
  /** The relay's runtime endpoint, `ws://host:port/v1/runtime` (or `wss://`). */
  url: string;
  /** Runtime token, sent as `Authorization: Bearer …`; never logged, never passed to exec'd programs. */
  token: string;
  /** Absolute workspace root; every file path and exec cwd is confined to it. Must exist. */
  workspace: string;
  /** Absolute directory for the runtime's own state (the diff baseline); outside the workspace. Created if missing. */
  stateDir: string;
  /** Version reported in `hello`. Default: this package's version. */
  version?: string;
  /**
   * Handler of opaque `message` frames from apps. Without one, messages with an id are answered
   * `unsupported` and messages without an id are logged and dropped.
   */
  onMessage?: MessageHandler;
  /** Receives one line per notable event (never a secret). Default: `codebolt-runtime: <line>` on stderr. */
  logger?: (line: string) => void;
  /** Reconnect backoff (full jitter, exponential, forever). */
  reconnect?: {
    /** First backoff ceiling, in milliseconds. Default 100. */
    initialDelayMs?: number;
    /** Largest backoff ceiling, in milliseconds. Default 5000. */
    maxDelayMs?: number;
  };
  /**
   * A WebSocket ping goes to the relay this often, in milliseconds; a relay that has not answered
   * the previous one (nor sent anything) by the next is taken for gone and the runtime reconnects,
   * so a black-holed relay is noticed within two intervals. Default 15000.
   */
  pingIntervalMs?: number;
}

/** Options with defaults applied and paths checked. */
export interface ResolvedRuntimeOptions {
  url: string;
  token: string;
  workspace: string;
  stateDir: string;
  version: string;
  onMessage: MessageHandler | undefined;
  logger: (line: string) => void;
  backoff: { initialDelayMs: number; maxDelayMs: number };
  pingIntervalMs: number;
}

export const DEFAULT_INITIAL_DELAY_MS = 100;
export const DEFAULT_MAX_DELAY_MS = 5_000;
export const DEFAULT_PING_INTERVAL_MS = 15_000;

function defaultLogger(line: string): void {
  process.stderr.write(`codebolt-runtime: ${line}\n`);
}

/**
 * Validates options once, at the edge. Throws CodeboltError `invalid-config` naming the option
 * (and the bin's environment variable) when the URL is not ws(s), the token is empty, a path is
 * not absolute, the workspace is not an existing directory, the state dir is inside the
 * workspace, or a delay is not a positive integer.
 */
export function resolveRuntimeOptions(options: RuntimeOptions): ResolvedRuntimeOptions {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw invalid(`url '${options.url}' is not a URL; pass ws://host:port/v1/runtime (CODEBOLT_RUNTIME_URL)`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw invalid(`url must start with ws:// or wss://, got '${url.protocol}' (CODEBOLT_RUNTIME_URL)`);
  }
  if (url.username || url.password || url.search) {
    throw invalid('url must not carry credentials or a query; the token goes in the token option (CODEBOLT_RUNTIME_TOKEN)');
  }
  if (typeof options.token !== 'string' || options.token.trim() === '') throw invalid('token is empty; pass the runtime token (CODEBOLT_RUNTIME_TOKEN)');
  const workspace = absolutePath(options.workspace, 'workspace', 'CODEBOLT_WORKSPACE');
  const stateDir = absolutePath(options.stateDir, 'stateDir', 'CODEBOLT_RUNTIME_STATE_DIR');
  let isDirectory = false;
  try {
    isDirectory = statSync(workspace).isDirectory();
  } catch {
    isDirectory = false;
  }
  if (!isDirectory) throw invalid(`workspace '${workspace}' is not an existing directory; create it first (CODEBOLT_WORKSPACE)`);
  const fromWorkspace = relative(workspace, stateDir);
  if (fromWorkspace === '' || !(fromWorkspace === '..' || fromWorkspace.startsWith(`..${sep}`) || isAbsolute(fromWorkspace))) {
    throw invalid(`stateDir '${stateDir}' is inside the workspace; put it outside so that it is neither diffed nor reachable by fs requests (CODEBOLT_RUNTIME_STATE_DIR)`);
  }
  const initialDelayMs = positiveInteger(options.reconnect?.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS, 'reconnect.initialDelayMs');
  const maxDelayMs = positiveInteger(options.reconnect?.maxDelayMs ?? DEFAULT_MAX_DELAY_MS, 'reconnect.maxDelayMs');
  if (maxDelayMs < initialDelayMs) throw invalid('reconnect.maxDelayMs must be at least reconnect.initialDelayMs');
  return {
    url: options.url,
    token: options.token,
    workspace,
    stateDir,
    version: options.version ?? RUNTIME_VERSION,
    onMessage: options.onMessage,
    logger: options.logger ?? defaultLogger,
    backoff: { initialDelayMs, maxDelayMs },
    pingIntervalMs: positiveInteger(options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS, 'pingIntervalMs'),
  };
}

function absolutePath(value: string, option: string, variable: string): string {
  if (typeof value !== 'string' || !isAbsolute(value)) throw invalid(`${option} must be an absolute path, got '${String(value)}' (${variable})`);
  return resolve(value);
}

function positiveInteger(value: number, option: string): number {
  if (!Number.isInteger(value) || value <= 0) throw invalid(`${option} must be a positive integer number of milliseconds`);
  return value;
}

function invalid(message: string): CodeboltError {
  return new CodeboltError('invalid-config', message);
}
