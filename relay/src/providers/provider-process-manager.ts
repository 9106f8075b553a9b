import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { CodeboltError } from '@codebolt/protocol';
import type { Logger } from '../logger.js';
import type { ProviderDefinition } from './provider-registry.js';
import { ProviderSession } from './provider-session.js';

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
  /** Called when a provider process is spawned again for an environment whose previous one died (metrics). */
  onRestart?: (environmentId: string, providerName: string) => void;
  /** How long a provider gets to exit after its stdin closes, before SIGKILL. Default 5,000 ms. */
  stopTimeoutMs: number;
  logger: Logger;
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
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * Spawns provider child processes (one per environment being acted on or running), authenticates
 * their connections on /v1/provider with a per-process secret passed only in the environment,
 * and stops them. Emits nothing; callers await `acquire`.
 */
export class ProviderProcessManager {
  readonly #handles = new Map<string, ProviderHandle>();
  readonly #starting = new Map<string, Promise<ProviderHandle>>();
  readonly #registrations = new Set<Registration>();
  /** Environments whose registered provider process exited without being released. */
  readonly #died = new Set<string>();

  constructor(private readonly options: ProviderProcessManagerOptions) {}

  /** Returns the live provider for the environment, spawning one if needed. */
  async acquire(environmentId: string, definition: ProviderDefinition): Promise<ProviderHandle> {
    const existing = this.#handles.get(environmentId);
    if (existing && !existing.session.closed && existing.child.exitCode === null && existing.definition.name === definition.name) return existing;
    if (existing) {
      const dead = existing.session.closed || existing.child.exitCode !== null;
      await this.release(environmentId);
      if (dead) this.#died.add(environmentId);
    }
    const starting = this.#starting.get(environmentId);
    if (starting) return starting;
    if (this.#died.delete(environmentId)) this.options.onRestart?.(environmentId, definition.name);
    const promise = this.#spawn(environmentId, definition).finally(() => this.#starting.delete(environmentId));
    this.#starting.set(environmentId, promise);
    return promise;
  }

  /** Ends an environment's provider process: close stdin (it exits), SIGKILL after the timeout. */
  async release(environmentId: string): Promise<void> {
    const handle = this.#handles.get(environmentId);
    if (!handle) return;
    this.#handles.delete(environmentId);
    await this.#stopChild(handle.child, handle.exited);
    this.#died.delete(environmentId);
  }

  async releaseAll(): Promise<void> {
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
    const log = await open(join(logDir, 'provider.log'), 'a', 0o600);
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
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [definition.entry], { cwd: dataDir, env, stdio: ['pipe', log.fd, log.fd] });
    } finally {
      await log.close();
    }
    child.stdin?.on('error', () => {});
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
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
        if (current?.child === child) {
          this.#handles.delete(environmentId);
          this.#died.add(environmentId);
        }
        fail(new CodeboltError('provider-unavailable', `provider ${label} exited (${signal ?? `code ${code}`}) before registering; see \`codebolt env logs ${environmentId}\``));
      });
      child.once('error', (error) => fail(new CodeboltError('provider-unavailable', `provider ${label} could not be started: ${error.message}`, { cause: error })));
    });
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
