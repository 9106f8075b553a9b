import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { WebSocket } from 'ws';
import { CodeboltError } from '@codebolt/protocol';
import type { Logger } from '../logger.js';
import type { ProviderDefinition } from './provider-registry.js';
import { providerOutputTail } from './provider-output-tail.js';
import { CrashLedger, DEFAULT_PROVIDER_RESTART_POLICY, type ProviderRestartPolicy, restartDelayMs } from './provider-restart-policy.js';
import { ProviderSession } from './provider-session.js';
import { PROVIDER_PID_FILE } from './stale-provider-reaper.js';

/** The exit code of a provider that found its configuration unusable (see runProviderMain); never restarted. */
const MISCONFIGURED_EXIT_CODE = 2;

/** Variables a provider process inherits from the relay's environment; nothing else leaks in. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ', 'USER', 'NODE_ENV', 'SystemRoot'];

export interface ProviderProcessManagerOptions {
  dataDir: string;
  /** This relay's installation id (`installation.json`), passed to providers as `CODEBOLT_INSTALLATION_ID` to tag resources. */
  installationId: string;
  /** ws URL of /v1/provider that provider processes dial. */
  providerUrl: string;
  /** How long a spawned provider has to connect and say hello. Default 15,000 ms. */
  registerTimeoutMs: number;
  /** Called when a provider process is spawned again after its environment's previous one crashed (metrics). */
  onRestart?: (environmentId: string, providerName: string) => void;
  /** How long a provider gets to exit after its stdin closes, before SIGKILL. Default 5,000 ms. */
  stopTimeoutMs: number;
  /** Restart backoff and circuit breaker (see ProviderRestartPolicy). Default DEFAULT_PROVIDER_RESTART_POLICY. */
  restartPolicy?: ProviderRestartPolicy;
  /**
   * A registered provider that sends no `heartbeat` event for this long is killed (SIGKILL) and
   * counts as a crash. Providers send one every 5 s by default. Default 20,000 ms.
   */
  heartbeatTimeoutMs?: number;
  logger: Logger;
}

/** What the relay remembers of an environment's latest provider process, for crash reports. */
interface SpawnRecord {
  label: string;
  logPath: string;
  /** Size of the log when the process was spawned: its own output starts here. */
  logOffset: number;
  token: string;
  /** How it ended, e.g. `exited (code 3) before registering`. */
  ending?: string;
}

interface Registration {
  environmentId: string;
  tokenHash: Buffer;
  label: string;
  onSession(session: ProviderSession): void;
}

/** A running provider process serving one environment. */
export interface ProviderHandle {
  environmentId: string;
  definition: ProviderDefinition;
  session: ProviderSession;
  child: ChildProcess;
  exited: Promise<void>;
  /** Set by the heartbeat watchdog before it kills the process. */
  heartbeatLost?: boolean;
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * Spawns provider child processes (one per environment being acted on or running), authenticates
 * their connections on /v1/provider with a per-process secret passed only in the environment,
 * and stops them.
 *
 * Supervision: a provider that exits before registering is spawned again by `acquire` after the
 * restart policy's backoff (except with exit code 2, "misconfigured", which fails at once); one that exits (or is killed by the heartbeat watchdog) after
 * registering, without `release`, emits `crashed (environmentId, definition, crashes)` so the
 * ProviderSupervisor can restart it. More than `maxCrashes` crashes within the window open the
 * environment's circuit: `acquire` then throws `provider-crash-loop` (with the provider's last
 * output, secrets redacted) until `resetCrashes` or until the crashes age out.
 */
export class ProviderProcessManager extends EventEmitter {
  readonly #handles = new Map<string, ProviderHandle>();
  readonly #starting = new Map<string, Promise<ProviderHandle>>();
  readonly #registrations = new Set<Registration>();
  readonly #spawns = new Map<string, SpawnRecord>();
  /** Environments whose provider crashed and has not been spawned again yet (the next spawn is a restart). */
  readonly #crashed = new Set<string>();
  readonly #crashErrors = new WeakSet<Error>();
  readonly #policy: ProviderRestartPolicy;
  readonly #ledger: CrashLedger;
  readonly #closed = new AbortController();
  #watchdog: NodeJS.Timeout | undefined;

  constructor(private readonly options: ProviderProcessManagerOptions) {
    super();
    this.#policy = options.restartPolicy ?? DEFAULT_PROVIDER_RESTART_POLICY;
    this.#ledger = new CrashLedger(this.#policy);
  }

  /** Forgets an environment's crashes: an explicit start closes its circuit. */
  resetCrashes(environmentId: string): void {
    this.#ledger.reset(environmentId);
  }

  /** The restart policy in force (the supervisor uses it for its delays). */
  get restartPolicy(): ProviderRestartPolicy {
    return this.#policy;
  }

  /** Returns the live provider for the environment, spawning one if needed. */
  async acquire(environmentId: string, definition: ProviderDefinition): Promise<ProviderHandle> {
    const existing = this.#handles.get(environmentId);
    if (existing && !existing.session.closed && existing.child.exitCode === null && existing.definition.name === definition.name) return existing;
    if (existing) await this.release(environmentId);
    const starting = this.#starting.get(environmentId);
    if (starting) return starting;
    const promise = this.#spawnSupervised(environmentId, definition).finally(() => this.#starting.delete(environmentId));
    this.#starting.set(environmentId, promise);
    return promise;
  }

  /** Spawns until one registers: a crash before registering is retried after the backoff, until the circuit opens. */
  async #spawnSupervised(environmentId: string, definition: ProviderDefinition): Promise<ProviderHandle> {
    for (;;) {
      if (this.#ledger.isOpen(environmentId)) throw await this.crashLoopError(environmentId);
      try {
        // A spawn after a crash of this environment's provider is a restart.
        if (this.#crashed.delete(environmentId)) this.options.onRestart?.(environmentId, definition.name);
        return await this.#spawn(environmentId, definition);
      } catch (error) {
        if (!(error instanceof Error) || !this.#crashErrors.has(error) || this.#closed.signal.aborted) throw error;
        const crashes = this.#ledger.record(environmentId);
        this.#crashed.add(environmentId);
        if (this.#ledger.isOpen(environmentId)) throw await this.crashLoopError(environmentId);
        const waitMs = restartDelayMs(crashes, this.#policy);
        this.options.logger.warn('provider crashed before registering; restarting it', { environmentId, provider: definition.name, crashes, waitMs });
        await delay(waitMs, undefined, { signal: this.#closed.signal }).catch(() => {
          throw error;
        });
      }
    }
  }

  /**
   * The error for an environment whose circuit is open: how often and how it crashed, what to do,
   * and the provider's last output lines (its secret and token-looking strings redacted).
   */
  async crashLoopError(environmentId: string): Promise<CodeboltError> {
    const spawn = this.#spawns.get(environmentId);
    const crashes = this.#ledger.count(environmentId);
    const tail = spawn ? await providerOutputTail(spawn.logPath, spawn.logOffset, [spawn.token]) : '';
    return new CodeboltError(
      'provider-crash-loop',
      `provider ${spawn?.label ?? `of environment ${environmentId}`} crashed ${crashes} times within ${this.#policy.crashWindowMs} ms` +
        `${spawn?.ending ? ` (last: ${spawn.ending})` : ''}; the relay stopped restarting it. Fix the provider (full log: \`codebolt env logs ${environmentId}\`), ` +
        `then start the environment again with \`codebolt env start ${environmentId}\`.${tail ? `\nLast output:\n${tail}` : ''}`,
    );
  }

  /** Ends an environment's provider process: close stdin (it exits), SIGKILL after the timeout. */
  async release(environmentId: string): Promise<void> {
    const handle = this.#handles.get(environmentId);
    if (this.#ledger.count(environmentId) === 0) this.#spawns.delete(environmentId);
    if (!handle) return;
    this.#handles.delete(environmentId);
    await this.#stopChild(handle.child, handle.exited);
  }

  async releaseAll(): Promise<void> {
    this.#closed.abort();
    this.#stopWatchdog();
    await Promise.all([...this.#handles.keys()].map((id) => this.release(id)));
  }

  get count(): number {
    return this.#handles.size;
  }

  /**
   * Authenticates a connection on /v1/provider. Returns a callback that binds the socket, or
   * throws unauthorized. The secret is compared in constant time.
   */
  authenticate(token: string): (socket: WebSocket) => void {
    const hash = hashToken(token);
    for (const registration of this.#registrations) {
      if (timingSafeEqual(hash, registration.tokenHash)) {
        return (socket) => registration.onSession(new ProviderSession(socket, registration.label, this.options.logger));
      }
    }
    throw new CodeboltError('unauthorized', 'unknown provider process secret');
  }

  async #spawn(environmentId: string, definition: ProviderDefinition): Promise<ProviderHandle> {
    const { dataDir, providerUrl, registerTimeoutMs, logger } = this.options;
    const logDir = join(dataDir, 'logs', environmentId);
    await mkdir(logDir, { recursive: true, mode: 0o700 });
    const logPath = join(logDir, 'provider.log');
    const log = await open(logPath, 'a', 0o600);
    const token = randomBytes(32).toString('base64url');
    const env: NodeJS.ProcessEnv = {};
    for (const name of [...INHERITED_ENV, ...definition.inheritEnv]) if (process.env[name] !== undefined) env[name] = process.env[name];
    Object.assign(env, {
      CODEBOLT_INSTALLATION_ID: this.options.installationId,
      CODEBOLT_RELAY_URL: providerUrl,
      CODEBOLT_PROVIDER_TOKEN: token,
      CODEBOLT_HOME: dataDir,
      CODEBOLT_ENV_ID: environmentId,
      CODEBOLT_PROVIDER_NAME: definition.name,
    });
    const label = `${definition.name} (environment ${environmentId})`;
    const spawnRecord: SpawnRecord = { label, logPath, logOffset: (await log.stat()).size, token };
    this.#spawns.set(environmentId, spawnRecord);
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [definition.entry], { cwd: dataDir, env, stdio: ['pipe', log.fd, log.fd] });
    } finally {
      await log.close();
    }
    child.stdin?.on('error', () => {});
    // Read by the next relay's reaper if this one is killed (see stale-provider-reaper.ts).
    const pidPath = join(logDir, PROVIDER_PID_FILE);
    const pidWritten = child.pid === undefined ? Promise.resolve() : writeFile(pidPath, `${child.pid}\n`, { mode: 0o600 }).catch(() => {});
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        void pidWritten
          .then(async () => {
            if ((await readFile(pidPath, 'utf8').catch(() => '')).trim() === String(child.pid)) await rm(pidPath, { force: true });
          })
          .catch(() => {})
          .finally(resolve);
      }),
    );
    child.on('error', (error) => logger.error('provider process error', { environmentId, error }));

    return new Promise<ProviderHandle>((resolve, reject) => {
      let settled = false;
      const registration: Registration = {
        environmentId,
        tokenHash: hashToken(token),
        label,
        onSession: (session) => {
          session.once('hello', () => {
            if (settled) {
              // A reconnect of a registered provider replaces its session.
              const current = this.#handles.get(environmentId);
              if (current?.child === child) current.session = session;
              else session.close();
              return;
            }
            settled = true;
            clearTimeout(timer);
            const handle: ProviderHandle = { environmentId, definition, session, child, exited };
            this.#handles.set(environmentId, handle);
            this.#startWatchdog();
            resolve(handle);
          });
        },
      };
      this.#registrations.add(registration);
      const fail = (error: CodeboltError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#registrations.delete(registration);
        void this.#stopChild(child, exited);
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new CodeboltError('provider-unavailable', `provider ${label} did not register within ${registerTimeoutMs} ms; see \`codebolt env logs ${environmentId}\``)),
        registerTimeoutMs,
      );
      child.once('exit', (code, signal) => {
        this.#registrations.delete(registration);
        const current = this.#handles.get(environmentId);
        const how = current?.child === child && current.heartbeatLost ? `killed: no heartbeat for ${this.#heartbeatTimeoutMs} ms` : `exited (${signal ?? `code ${code}`})`;
        if (current?.child === child) {
          // Not released: it crashed (or the watchdog killed it). The supervisor decides about a restart.
          this.#handles.delete(environmentId);
          if (this.#handles.size === 0) this.#stopWatchdog();
          spawnRecord.ending = how;
          if (!this.#closed.signal.aborted) {
            const crashes = this.#ledger.record(environmentId);
            this.#crashed.add(environmentId);
            this.options.logger.warn('provider process crashed', { environmentId, provider: definition.name, how, crashes });
            this.emit('crashed', environmentId, definition, crashes);
          }
        }
        if (settled) return;
        spawnRecord.ending = `${how} before registering`;
        const crash = new CodeboltError('provider-unavailable', `provider ${label} ${how} before registering; see \`codebolt env logs ${environmentId}\``);
        // Exit code 2 is a provider's "misconfigured" (runProviderMain): retrying cannot help, so it fails at once.
        if (code !== MISCONFIGURED_EXIT_CODE) this.#crashErrors.add(crash);
        fail(crash);
      });
      child.once('error', (error) => fail(new CodeboltError('provider-unavailable', `provider ${label} could not be started: ${error.message}`, { cause: error })));
    });
  }

  get #heartbeatTimeoutMs(): number {
    return this.options.heartbeatTimeoutMs ?? 20_000;
  }

  /** Kills registered providers that stopped sending heartbeats; their exit counts as a crash. */
  #startWatchdog(): void {
    if (this.#watchdog) return;
    const timeoutMs = this.#heartbeatTimeoutMs;
    this.#watchdog = setInterval(() => {
      const now = Date.now();
      for (const handle of this.#handles.values()) {
        if (handle.heartbeatLost || now - handle.session.lastHeartbeatAt <= timeoutMs) continue;
        handle.heartbeatLost = true;
        this.options.logger.warn('provider sent no heartbeat; killing it', { environmentId: handle.environmentId, provider: handle.definition.name, timeoutMs });
        handle.child.kill('SIGKILL');
      }
    }, Math.max(50, Math.min(1_000, Math.floor(timeoutMs / 4))));
    this.#watchdog.unref();
  }

  #stopWatchdog(): void {
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }

  async #stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin?.end();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), this.options.stopTimeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
