import { mkdir } from 'node:fs/promises';
import { CodeboltError, envelope } from '@codebolt/protocol';
import { childEnvironment } from './child-environment.js';
import { RelayConnection } from './connection/relay-connection.js';
import { ProcessTable } from './process-table.js';
import { createRequestRouter, type PreparedWorkspace } from './request-router.js';
import { resolveRuntimeOptions, type ResolvedRuntimeOptions, type RuntimeOptions } from './runtime-options.js';
import { ensureBaseline } from './workspace/baseline.js';
import { openWorkspace } from './workspace/confine-path.js';

/** A running runtime. */
export interface RuntimeHandle {
  /**
   * Resolves at the first successful `hello` exchange with the relay. Rejects with the fatal
   * CodeboltError when the relay refuses the token before that, or with `runtime-exited` when
   * close() is called first. Never reported as an unhandled rejection.
   */
  connected: Promise<void>;
  /**
   * Settles when the runtime has stopped: resolves after close() has finished; rejects with
   * CodeboltError `unauthorized` or `forbidden` when the relay refused the runtime token (HTTP
   * 401/403 on the upgrade: invalid, expired, or superseded by a newer generation). In that case
   * the runtime has already killed its exec processes and will not reconnect; the bin exits 3.
   * Never reported as an unhandled rejection.
   */
  done: Promise<void>;
  /**
   * Sends an opaque `message` event (`{ type: 'message', data }`, no `re`) toward the apps.
   * Queued while the relay is unreachable (bounded: 10,000 frames / 16 MiB, oldest dropped);
   * ignored after close().
   */
  send(message: unknown): void;
  /**
   * Stops the runtime: aborts the baseline copy and running diff walks, SIGTERMs every exec's
   * process group (SIGKILL after 2 s), closes the relay socket gracefully (forced after 5 s).
   * Idempotent; resolves when done, after which nothing is written to `stateDir`.
   */
  close(): Promise<void>;
}

/**
 * Starts the connect-back runtime: opens the workspace, makes (or reuses) the diff baseline in
 * `stateDir`, dials the relay and serves `exec`, `process-kill`, `fs.read`, `fs.write`,
 * `fs.list`, `fs.remove`, `diff` and `message` requests until close() or a fatal token refusal.
 * Reconnects forever with full-jitter backoff; processes keep running and their output is
 * queued while the relay is away.
 *
 * Throws CodeboltError `invalid-config` synchronously when the options are invalid (see
 * {@link RuntimeOptions}). Does not throw for an unreachable relay: it keeps trying.
 */
export function startRuntime(options: RuntimeOptions): RuntimeHandle {
  const settings = resolveRuntimeOptions(options);
  const { logger } = settings;
  const shutdown = new AbortController();
  const processes = new ProcessTable();
  const connected = deferred();
  const done = deferred();
  let stopping: Promise<void> | undefined;

  const prepared = prepareWorkspace(settings, shutdown.signal);
  const stop = async (): Promise<void> => {
    shutdown.abort();
    // A baseline copy in progress stops at the next file; nothing writes to stateDir after close().
    await prepared.catch(() => undefined);
    await router.drained();
    await processes.terminateAll();
    await connection.close();
  };
  const connection = new RelayConnection({
    url: settings.url,
    token: settings.token,
    backoff: settings.backoff,
    pingIntervalMs: settings.pingIntervalMs,
    logger,
    hello: () => ({ version: settings.version, pid: process.pid, workspace: settings.workspace }),
    onRequest: (message) => router.dispatch(message),
    onWelcome: () => connected.resolve(),
    onFatal: (error) => {
      logger(error.message);
      connected.reject(error);
      stopping ??= stop();
      void stopping.then(() => done.reject(error));
    },
  });
  const router = createRequestRouter({
    prepared,
    processes,
    send: (frame) => connection.send(frame),
    environment: () => childEnvironment(process.env, [settings.token, connection.currentToken]),
    logger,
    onMessage: settings.onMessage,
    signal: shutdown.signal,
  });
  connection.start();

  return {
    connected: connected.promise,
    done: done.promise,
    send: (message) => connection.send(envelope('message', { data: message })),
    close: () => {
      stopping ??= stop().then(() => {
        connected.reject(new CodeboltError('runtime-exited', 'the runtime was closed before it connected to the relay'));
        done.resolve();
      });
      return stopping;
    },
  };
}

/** Opens the workspace and makes the baseline; a baseline failure only disables `diff`. */
async function prepareWorkspace(settings: ResolvedRuntimeOptions, signal: AbortSignal): Promise<PreparedWorkspace> {
  const workspace = await openWorkspace(settings.workspace);
  try {
    await mkdir(settings.stateDir, { recursive: true, mode: 0o700 });
    const { directory, created } = await ensureBaseline(settings.workspace, settings.stateDir, signal);
    settings.logger(created ? 'made the diff baseline of the workspace' : 'reusing the existing diff baseline');
    return { workspace, baseline: { directory } };
  } catch (error) {
    const failure = new CodeboltError(
      signal.aborted ? 'runtime-exited' : 'internal',
      `the diff baseline could not be made in the state dir (${error instanceof Error ? error.message : String(error)}); ` +
        'make CODEBOLT_RUNTIME_STATE_DIR a writable directory outside the workspace and restart the runtime',
      { cause: error },
    );
    if (!signal.aborted) settings.logger(failure.message);
    return { workspace, baseline: { error: failure } };
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A promise settled from outside, pre-marked as handled so that nobody listening is not a crash. */
function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
