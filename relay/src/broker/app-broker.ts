import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import {
  CodeboltError,
  type Envelope,
  appRequestSchemas,
  encodeEnvelope,
  errorEnvelope,
  isAppRequestType,
  parseData,
  parseEnvelope,
  envelope,
  PROVIDER_FILE_REQUEST_TYPES,
} from '@codebolt/protocol';
import { authorize } from '../auth/authorization.js';
import type { Principal } from '../auth/tokens.js';
import type { Logger } from '../logger.js';
import type { RuntimeHub } from './runtime-hub.js';

interface AppSession {
  id: string;
  environmentId: string;
  principal: Principal;
  socket: WebSocket;
}

const SESSION_SEPARATOR = ':';
const FILE_REQUEST_TYPES: ReadonlySet<string> = new Set(PROVIDER_FILE_REQUEST_TYPES);

/** Serves file requests of a stopped environment through its provider (see EnvironmentService.serveFiles). */
export interface FileFallback {
  canServeFiles(environmentId: string): boolean;
  serveFiles(environmentId: string, type: (typeof PROVIDER_FILE_REQUEST_TYPES)[number], data: unknown): Promise<unknown>;
}

/**
 * Brokers app connections (/v1/connect) to their environment's runtime. Request ids are
 * rewritten to `<session>:<id>` toward the runtime so each app gets only the answers to its own
 * requests; runtime frames without `re` are broadcast to every app of the environment.
 */
export class AppBroker {
  readonly #sessions = new Map<string, AppSession>();
  readonly #byEnvironment = new Map<string, Set<AppSession>>();

  constructor(
    private readonly hub: RuntimeHub,
    private readonly logger: Logger,
    private readonly files?: FileFallback,
  ) {
    hub.on('frame', (environmentId: string, message: Envelope) => this.#fromRuntime(environmentId, message));
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Registers an authenticated app socket; `greeting` frames are sent first (env-state, …). */
  accept(socket: WebSocket, principal: Principal, environmentId: string, greeting: Envelope[]): void {
    const session: AppSession = { id: randomBytes(6).toString('base64url'), environmentId, principal, socket };
    this.#sessions.set(session.id, session);
    const group = this.#byEnvironment.get(environmentId) ?? new Set();
    group.add(session);
    this.#byEnvironment.set(environmentId, group);
    socket.on('message', (data, isBinary) => this.#fromApp(session, data as Buffer, isBinary));
    socket.on('close', () => {
      this.#sessions.delete(session.id);
      group.delete(session);
      if (group.size === 0) this.#byEnvironment.delete(environmentId);
    });
    for (const message of greeting) socket.send(encodeEnvelope(message));
  }

  /** Sends a relay event to every app connected to the environment. */
  publish(environmentId: string, message: Envelope): void {
    const group = this.#byEnvironment.get(environmentId);
    if (!group) return;
    const frame = encodeEnvelope(message);
    for (const session of group) session.socket.send(frame);
  }

  /** Sends a relay event to every app. */
  broadcast(message: Envelope): void {
    const frame = encodeEnvelope(message);
    for (const session of this.#sessions.values()) session.socket.send(frame);
  }

  /** Closes the app connections of one environment (deleted) or all (shutdown). */
  close(environmentId: string | undefined, code: number, reason: string): void {
    for (const session of [...this.#sessions.values()]) {
      if (environmentId === undefined || session.environmentId === environmentId) session.socket.close(code, reason);
    }
  }

  #fromApp(session: AppSession, data: Buffer, isBinary: boolean): void {
    let message: Envelope | undefined;
    try {
      if (isBinary) throw new CodeboltError('bad-request', 'binary frames are not accepted on /v1/connect yet; send JSON text frames');
      message = parseEnvelope(data);
      const { type } = message;
      if (!isAppRequestType(type)) throw new CodeboltError('bad-request', `unknown message type "${type}"; see docs/protocol.md`);
      authorize(session.principal, `WS ${type}`);
      const parsed = parseData(appRequestSchemas[type], message.data, type);
      if (type !== 'message' && !message.id) throw new CodeboltError('bad-request', `${type} needs an "id" so its answer can be matched`);
      if (FILE_REQUEST_TYPES.has(type) && !this.hub.connection(session.environmentId) && this.files?.canServeFiles(session.environmentId)) {
        this.#serveFromProvider(session, type as (typeof PROVIDER_FILE_REQUEST_TYPES)[number], message.id!, parsed);
        return;
      }
      const forwarded: Envelope = { v: 1, type, data: parsed };
      if (message.id) forwarded.id = `${session.id}${SESSION_SEPARATOR}${message.id}`;
      if (type === 'process-kill') forwarded.data = { ...(parsed as object), process: `${session.id}${SESSION_SEPARATOR}${(parsed as { process: string }).process}` };
      if (!this.hub.send(session.environmentId, encodeEnvelope(forwarded))) {
        throw new CodeboltError('runtime-unavailable', 'the runtime is not connected and too many requests are already waiting for it; retry when it is back');
      }
    } catch (error) {
      const body = CodeboltError.from(error).toBody();
      session.socket.send(encodeEnvelope(errorEnvelope(message?.type ?? 'error', body, message?.id)));
    }
  }

  /** While the runtime is away, a provider with the `files` capability answers fs.read / fs.list / diff itself. */
  #serveFromProvider(session: AppSession, type: (typeof PROVIDER_FILE_REQUEST_TYPES)[number], id: string, data: unknown): void {
    this.files!.serveFiles(session.environmentId, type, data).then(
      (answer) => session.socket.send(encodeEnvelope(envelope(type, { re: id, data: answer }))),
      (error: unknown) => session.socket.send(encodeEnvelope(errorEnvelope(type, CodeboltError.from(error).toBody(), id))),
    );
  }

  #fromRuntime(environmentId: string, message: Envelope): void {
    if (message.re === undefined) {
      this.publish(environmentId, { ...message, env: environmentId });
      return;
    }
    const separator = message.re.indexOf(SESSION_SEPARATOR);
    const session = separator > 0 ? this.#sessions.get(message.re.slice(0, separator)) : undefined;
    if (!session || session.environmentId !== environmentId) {
      this.logger.debug('dropping a runtime answer for a closed app session', { environmentId, type: message.type });
      return;
    }
    session.socket.send(encodeEnvelope({ ...message, re: message.re.slice(separator + 1) }));
  }
}
