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
    /** Called for every message refused by the authorization table (for the audit log). */
    private readonly onDenied?: (principal: Principal, environmentId: string, type: string) => void,
    /** Bytes an app socket may have waiting to be sent; a slower consumer is cut off (1008). Default 8 MiB. */
    private readonly maxSendBufferBytes = 8 * 1024 * 1024,
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
    for (const message of greeting) this.#send(session, encodeEnvelope(message));
  }

  /** Open app connections of one tenant's principals (for the per-tenant quota). */
  countForTenant(tenant: string): number {
    let count = 0;
    for (const session of this.#sessions.values()) if (session.principal.tenant === tenant) count++;
    return count;
  }

  /** Sends a relay event to every app connected to the environment. */
  publish(environmentId: string, message: Envelope): void {
    const group = this.#byEnvironment.get(environmentId);
    if (!group) return;
    const frame = encodeEnvelope(message);
    for (const session of group) this.#send(session, frame);
  }

  /** Sends a relay event to every app. */
  broadcast(message: Envelope): void {
    const frame = encodeEnvelope(message);
    for (const session of this.#sessions.values()) this.#send(session, frame);
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
      const forwarded: Envelope = { v: 1, type, data: parsed };
      if (message.id) forwarded.id = `${session.id}${SESSION_SEPARATOR}${message.id}`;
      if (type === 'process-kill') forwarded.data = { ...(parsed as object), process: `${session.id}${SESSION_SEPARATOR}${(parsed as { process: string }).process}` };
      if (!this.hub.send(session.environmentId, encodeEnvelope(forwarded))) {
        throw new CodeboltError('runtime-unavailable', 'the runtime is not connected and too many requests are already waiting for it; retry when it is back');
      }
    } catch (error) {
      const body = CodeboltError.from(error).toBody();
      if (body.code === 'forbidden' && message) this.onDenied?.(session.principal, session.environmentId, message.type);
      this.#send(session, encodeEnvelope(errorEnvelope(message?.type ?? 'error', body, message?.id)));
    }
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
    this.#send(session, encodeEnvelope({ ...message, re: message.re.slice(separator + 1) }));
  }

  /**
   * Sends to one app, or cuts it off when it does not read: past maxSendBufferBytes waiting in
   * the socket, the connection is destroyed (its buffer freed at once) and the app must
   * reconnect and resume. A slow consumer can never grow relay memory without bound.
   */
  #send(session: AppSession, frame: string): void {
    const { socket } = session;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount + frame.length > this.maxSendBufferBytes) {
      this.logger.warn('closing a slow app connection', { environmentId: session.environmentId, bufferedBytes: socket.bufferedAmount });
      this.slowConsumersClosed++;
      socket.terminate();
      return;
    }
    socket.send(frame);
  }

  /** App connections cut off for not reading (see #send). */
  slowConsumersClosed = 0;
}
