import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import {
  AckScheduler,
  CodeboltError,
  type Envelope,
  type GapEvent,
  appRequestSchemas,
  encodeEnvelope,
  errorEnvelope,
  isAppRequestType,
  parseData,
  encodeFrame,
  parseFrame,
  resumeRequestSchema,
  envelope,
  PROVIDER_FILE_REQUEST_TYPES,
  type RelayRequestType,
  isRelayRequestType,
  relayRequestSchemas,
} from '@codebolt/protocol';
import { authorize } from '../auth/authorization.js';
import type { Principal } from '../auth/tokens.js';
import type { Logger } from '../logger.js';

import type { EnvironmentStream, SessionRecord } from '../stream/environment-stream.js';
import type { RuntimeHub } from './runtime-hub.js';

/** One app WebSocket. It receives runtime frames once attached to a session (by `resume` or its first request). */
interface AppConnection {
  environmentId: string;
  principal: Principal;
  socket: WebSocket;
  sessionId: string | undefined;
  acks: AckScheduler;
  /** Set when the relay closed it for backpressure: later frames are ignored (the app resends them after resuming). */
  refused: boolean;
}

export interface AppBrokerSettings {
  /** How long a session is remembered after its last connection closed, in ms. Default 10 minutes. */
  sessionRetentionMs: number;
  /** Bytes an app socket may have waiting to be sent; a slower consumer is cut off. Default 8 MiB. */
  maxSendBufferBytes?: number;
  /** Serves file requests of a stopped environment through its provider. */
  files?: FileFallback;
  /** Called for every message refused by the authorization table (for the audit log). */
  onDenied?: (principal: Principal, environmentId: string, type: string) => void;
  /** Told about app activity (leases), and answers the requests apps send to the relay itself (`lease.extend`). */
  activity?: AppActivity;
}

/** App activity as the broker sees it (see leases/lease-manager.ts). */
export interface AppActivity {
  appConnected(environmentId: string): void;
  appDisconnected(environmentId: string): void;
  /** An app request was forwarded to the runtime under `requestId` (`<session>:<id>`). */
  appRequest(environmentId: string, type: string, requestId: string | undefined): void;
  /** Answers a request addressed to the relay (already authorized and parsed). */
  relayRequest(principal: Principal, environmentId: string, type: RelayRequestType, data: unknown): unknown;
}

const SESSION_SEPARATOR = ':';
const FILE_REQUEST_TYPES: ReadonlySet<string> = new Set(PROVIDER_FILE_REQUEST_TYPES);

/** Serves file requests of a stopped environment through its provider (see EnvironmentService.serveFiles). */
export interface FileFallback {
  canServeFiles(environmentId: string): boolean;
  serveFiles(environmentId: string, type: (typeof PROVIDER_FILE_REQUEST_TYPES)[number], data: unknown): Promise<unknown>;
}

function ownerOf(principal: Principal): string {
  return `${principal.tenant}/${principal.subject}`;
}

/**
 * Brokers app connections (/v1/connect) to their environment's runtime, losslessly:
 * - request ids are rewritten to `<session>:<id>` toward the runtime so each app session gets
 *   only the answers to its own requests; runtime frames without `re` go to every session;
 * - every runtime→app frame is numbered (`seq`) per environment and kept in the environment's
 *   retained window, so an app that reconnects and sends `resume { session, cursor }` gets
 *   every frame after its cursor exactly once, in order, or a `cursor-expired` error;
 * - the app's numbered frames are acknowledged (batched `ack`) and duplicates dropped by seq.
 */
export class AppBroker {
  readonly #connections = new Set<AppConnection>();
  /** Attached connections by `<environmentId>/<sessionId>`. */
  readonly #attached = new Map<string, AppConnection>();
  readonly #byEnvironment = new Map<string, Set<AppConnection>>();

  constructor(
    private readonly hub: RuntimeHub,
    private readonly logger: Logger,
    private readonly settings: AppBrokerSettings = { sessionRetentionMs: 600_000 },
  ) {
    hub.on('frame', (environmentId: string, message: Envelope) => this.#fromRuntime(environmentId, message));
    hub.on('gap', (environmentId: string, lost: number) =>
      this.#deliver(environmentId, undefined, {
        v: 1,
        type: 'gap',
        data: { reason: 'runtime-frames-dropped', lost, message: `the runtime dropped ${lost} frame(s) while the relay was unreachable (its buffer was full)` } satisfies GapEvent,
      }),
    );
  }

  get size(): number {
    return this.#connections.size;
  }

  /** Registers an authenticated app socket; `greeting` frames are sent first (env-state, …). */
  accept(socket: WebSocket, principal: Principal, environmentId: string, greeting: Envelope[]): void {
    const connection: AppConnection = {
      environmentId,
      principal,
      socket,
      sessionId: undefined,
      refused: false,
      acks: new AckScheduler((ack) => {
        this.#send(connection, encodeEnvelope({ v: 1, type: 'ack', ack }));
      }),
    };
    this.#connections.add(connection);
    const group = this.#byEnvironment.get(environmentId) ?? new Set();
    group.add(connection);
    this.#byEnvironment.set(environmentId, group);
    socket.on('message', (data, isBinary) => this.#fromApp(connection, data as Buffer, isBinary));
    this.settings.activity?.appConnected(environmentId);
    socket.on('close', () => {
      this.settings.activity?.appDisconnected(environmentId);
      connection.acks.dispose();
      this.#connections.delete(connection);
      group.delete(connection);
      if (group.size === 0) this.#byEnvironment.delete(environmentId);
      this.#detach(connection);
    });
    for (const message of greeting) this.#send(connection, encodeEnvelope(message));
  }

  /** Sends a relay event (not numbered) to every app connected to the environment. */
  publish(environmentId: string, message: Envelope): void {
    const group = this.#byEnvironment.get(environmentId);
    if (!group) return;
    const frame = encodeEnvelope(message);
    for (const connection of group) this.#send(connection, frame);
  }

  /** Sends a relay event to every app. */
  broadcast(message: Envelope): void {
    const frame = encodeEnvelope(message);
    for (const connection of this.#connections) this.#send(connection, frame);
  }

  /** Closes the app connections of one environment (deleted) or all (shutdown). */
  close(environmentId: string | undefined, code: number, reason: string): void {
    for (const connection of [...this.#connections]) {
      if (environmentId === undefined || connection.environmentId === environmentId) connection.socket.close(code, reason);
    }
  }

  #stream(environmentId: string): EnvironmentStream {
    return this.hub.streams.get(environmentId);
  }

  #fromApp(connection: AppConnection, data: Buffer, isBinary: boolean): void {
    if (connection.refused) return;
    let message: Envelope | undefined;
    try {
      message = parseFrame(data, isBinary);
      const { type } = message;
      if (type === 'ack') return;
      if (type === 'ping') {
        // The app's own heartbeat (browsers cannot see WebSocket pings): answered at once, unnumbered.
        this.#send(connection, encodeEnvelope(message.id === undefined ? { v: 1, type: 'pong' } : { v: 1, type: 'pong', re: message.id }));
        return;
      }
      if (type === 'resume') return this.#resume(connection, message);
      if (isRelayRequestType(type)) return this.#relayRequest(connection, type, message);
      if (!isAppRequestType(type)) throw new CodeboltError('bad-request', `unknown message type "${type}"; see docs/protocol.md`);
      authorize(connection.principal, `WS ${type}`);
      const parsed = parseData(appRequestSchemas[type], message.data, type);
      if (type !== 'message' && !message.id) throw new CodeboltError('bad-request', `${type} needs an "id" so its answer can be matched`);
      const sessionId = connection.sessionId ?? this.#attach(connection, randomBytes(9).toString('base64url'), undefined);
      const record = this.#stream(connection.environmentId).sessions.get(sessionId) as SessionRecord;
      if (message.seq !== undefined && message.seq <= record.lastAppSeq) {
        connection.acks.received(record.lastAppSeq);
        return;
      }
      if (FILE_REQUEST_TYPES.has(type) && !this.hub.connection(connection.environmentId) && this.settings.files?.canServeFiles(connection.environmentId)) {
        this.#serveFromProvider(connection.environmentId, sessionId, type as (typeof PROVIDER_FILE_REQUEST_TYPES)[number], message.id!, parsed);
        if (message.seq !== undefined) {
          record.lastAppSeq = message.seq;
          connection.acks.received(message.seq);
        }
        return;
      }
      const forwarded: Envelope = { v: 1, type, data: parsed };
      if (message.id) forwarded.id = `${sessionId}${SESSION_SEPARATOR}${message.id}`;
      if (type === 'process-kill') forwarded.data = { ...(parsed as object), process: `${sessionId}${SESSION_SEPARATOR}${(parsed as { process: string }).process}` };
      if (!this.hub.send(connection.environmentId, forwarded)) {
        if (message.seq !== undefined) {
          // Backpressure without loss: the frame is not acknowledged; the app resumes later and resends it.
          connection.refused = true;
          connection.socket.close(1013, 'too many frames wait for the runtime; resume later');
          return;
        }
        throw new CodeboltError('runtime-unavailable', 'the runtime is not connected and too many requests are already waiting for it; retry when it is back');
      }
      if (message.seq !== undefined) {
        record.lastAppSeq = message.seq;
        connection.acks.received(message.seq);
      }
      this.settings.activity?.appRequest(connection.environmentId, type, forwarded.id);
    } catch (error) {
      const body = CodeboltError.from(error).toBody();
      if (body.code === 'forbidden' && message) this.settings.onDenied?.(connection.principal, connection.environmentId, message.type);
      const answer = errorEnvelope(message?.type ?? 'error', body, message?.id);
      // An answer to a request of an attached session is numbered, so it survives a reconnect.
      if (connection.sessionId !== undefined && message?.id !== undefined && message.type !== 'resume') this.#deliver(connection.environmentId, connection.sessionId, answer);
      else this.#send(connection, encodeEnvelope(answer));
    }
  }

  /** Attaches a connection to a session (taking it over from an older connection) and returns the session id. */
  #attach(connection: AppConnection, sessionId: string, record: SessionRecord | undefined): string {
    const stream = this.#stream(connection.environmentId);
    const key = `${connection.environmentId}/${sessionId}`;
    const previous = this.#attached.get(key);
    if (previous && previous !== connection) {
      this.#detach(previous);
      previous.socket.close(4002, 'superseded by a newer connection of the same session');
    }
    if (record) clearTimeout(record.expiryTimer);
    else stream.sessions.set(sessionId, { owner: ownerOf(connection.principal), lastAppSeq: 0, expiryTimer: undefined });
    connection.sessionId = sessionId;
    this.#attached.set(key, connection);
    return sessionId;
  }

  #detach(connection: AppConnection): void {
    const sessionId = connection.sessionId;
    if (sessionId === undefined) return;
    const key = `${connection.environmentId}/${sessionId}`;
    if (this.#attached.get(key) !== connection) return;
    this.#attached.delete(key);
    const record = this.#stream(connection.environmentId).sessions.get(sessionId);
    if (!record) return;
    const sessions = this.#stream(connection.environmentId).sessions;
    record.expiryTimer = setTimeout(() => {
      if (sessions.get(sessionId) === record && !this.#attached.has(key)) sessions.delete(sessionId);
    }, this.settings.sessionRetentionMs);
    record.expiryTimer.unref();
  }

  /**
   * `resume { session, cursor?, fromOldest? }`: replays the retained frames after the cursor for
   * this session (synchronously, so no live frame can overtake them), then answers `resumed`.
   */
  #resume(connection: AppConnection, message: Envelope): void {
    if (!message.id) throw new CodeboltError('bad-request', 'resume needs an "id" so its answer can be matched');
    if (connection.sessionId !== undefined) throw new CodeboltError('bad-request', 'resume must be the first frame of a connection; open a new connection to resume another cursor');
    const request = parseData(resumeRequestSchema, message.data, 'resume');
    const stream = this.#stream(connection.environmentId);
    const record = stream.sessions.get(request.session);
    if (record && record.owner !== ownerOf(connection.principal)) {
      throw new CodeboltError('forbidden', 'this session belongs to another principal; choose a new random session id');
    }
    let afterSeq = stream.toAppsSeq;
    let gap: GapEvent | undefined;
    const first = stream.firstReplayableSeq;
    if (request.fromOldest) {
      afterSeq = first - 1;
      gap = { reason: 'cursor-expired', message: `the cursor was older than the retained window; resumed from the oldest one; the oldest available seq is ${first}, frames before it are lost` };
      if (request.cursor && request.cursor.epoch === stream.epoch) gap.lost = Math.max(0, first - 1 - request.cursor.seq);
    } else if (request.cursor) {
      const { cursor } = request;
      if (cursor.epoch !== stream.epoch) {
        afterSeq = first - 1;
        gap = {
          reason: 'epoch-changed',
          message: 'the relay lost this environment\'s retained frames (it stopped without saving them); frames sent after your cursor may be lost',
        };
      } else if (cursor.seq > stream.toAppsSeq) {
        throw new CodeboltError('bad-request', `cursor seq ${cursor.seq} is ahead of the stream (head ${stream.toAppsSeq}); resume with a cursor you received`);
      } else if (cursor.seq < first - 1) {
        throw new CodeboltError(
          'cursor-expired',
          `cursor seq ${cursor.seq} is older than the retained window; the oldest available seq is ${first}. Resume with fromOldest: true to accept the gap`,
        );
      } else {
        afterSeq = cursor.seq;
      }
    }
    const sessionId = this.#attach(connection, request.session, record);
    const socket = connection.socket;
    if (gap) this.#send(connection, encodeEnvelope({ v: 1, type: 'gap', data: gap }));
    let replayed = 0;
    for (const frame of stream.window.after(afterSeq)) {
      if (frame.target !== undefined && frame.target !== sessionId) continue;
      this.#send(connection, frame.text);
      replayed += 1;
    }
    const lastAppSeq = (stream.sessions.get(sessionId) as SessionRecord).lastAppSeq;
    this.#send(connection, encodeEnvelope({ v: 1, type: 'resumed', re: message.id, data: { epoch: stream.epoch, head: stream.toAppsSeq, ack: lastAppSeq, replayed } }));
  }

  /** A request the relay answers itself (`lease.extend`); the answer is not numbered (like relay events). */
  #relayRequest(connection: AppConnection, type: RelayRequestType, message: Envelope): void {
    authorize(connection.principal, `WS ${type}`);
    const parsed = parseData(relayRequestSchemas[type], message.data, type);
    if (!message.id) throw new CodeboltError('bad-request', `${type} needs an "id" so its answer can be matched`);
    if (!this.settings.activity) throw new CodeboltError('unsupported', `this relay does not serve ${type}`);
    const answer = this.settings.activity.relayRequest(connection.principal, connection.environmentId, type, parsed);
    if (message.seq !== undefined && connection.sessionId !== undefined) {
      const session = this.#stream(connection.environmentId).sessions.get(connection.sessionId);
      if (session && message.seq > session.lastAppSeq) session.lastAppSeq = message.seq;
      connection.acks.received(session?.lastAppSeq ?? message.seq);
    }
    this.#send(connection, encodeEnvelope(envelope(type, { re: message.id, data: answer })));
  }

  /**
   * While the runtime is away, a provider with the `files` capability answers fs.read / fs.list /
   * diff itself. The answer is numbered into the session's stream like a runtime's, so an app that
   * reconnects before it arrives still gets it on resume.
   */
  #serveFromProvider(environmentId: string, sessionId: string, type: (typeof PROVIDER_FILE_REQUEST_TYPES)[number], id: string, data: unknown): void {
    // An environment deleted meanwhile has no stream left to number the answer into (and gets none back).
    const deliver = (answer: Envelope) => this.hub.streams.has(environmentId) && this.#deliver(environmentId, sessionId, answer);
    this.settings.files!.serveFiles(environmentId, type, data).then(
      (answer) => deliver(envelope(type, { re: id, data: answer })),
      (error: unknown) => deliver(errorEnvelope(type, CodeboltError.from(error).toBody(), id)),
    );
  }

  #fromRuntime(environmentId: string, message: Envelope): void {
    if (message.re === undefined) {
      this.#deliver(environmentId, undefined, { ...message, env: environmentId });
      return;
    }
    const separator = message.re.indexOf(SESSION_SEPARATOR);
    if (separator <= 0) {
      this.logger.debug('dropping a runtime answer without a session prefix', { environmentId, type: message.type });
      return;
    }
    this.#deliver(environmentId, message.re.slice(0, separator), { ...message, re: message.re.slice(separator + 1) });
  }

  /** Numbers a runtime→app frame, keeps it in the retained window, and sends it to its attached session(s). */
  #deliver(environmentId: string, target: string | undefined, message: Envelope): void {
    const stream = this.#stream(environmentId);
    stream.toAppsSeq += 1;
    const seq = stream.toAppsSeq;
    const text = encodeFrame({ ...message, seq });
    stream.window.append({ seq, target, text, bytes: text.length });
    if (target !== undefined) {
      const attached = this.#attached.get(`${environmentId}/${target}`);
      if (attached) this.#send(attached, text);
      return;
    }
    const group = this.#byEnvironment.get(environmentId);
    if (!group) return;
    for (const connection of group) if (connection.sessionId !== undefined) this.#send(connection, text);
  }

  /** Open app connections of one tenant's principals (for the per-tenant quota). */
  countForTenant(tenant: string): number {
    let count = 0;
    for (const connection of this.#connections) if (connection.principal.tenant === tenant) count++;
    return count;
  }

  /**
   * Sends to one app, or cuts it off when it does not read: past maxSendBufferBytes waiting in
   * the socket, the connection is destroyed (its buffer freed at once) and the app must
   * reconnect and resume (nothing is lost: the frames stay in the retained window).
   */
  #send(connection: AppConnection, frame: string | Uint8Array): void {
    const { socket } = connection;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount + frame.length > (this.settings.maxSendBufferBytes ?? 8 * 1024 * 1024)) {
      this.logger.warn('closing a slow app connection', { environmentId: connection.environmentId, bufferedBytes: socket.bufferedAmount });
      this.slowConsumersClosed++;
      socket.terminate();
      return;
    }
    socket.send(frame);
  }

  /** App connections cut off for not reading (see #send). */
  slowConsumersClosed = 0;
}
