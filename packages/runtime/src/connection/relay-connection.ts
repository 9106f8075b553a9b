import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import {
  AckScheduler,
  CodeboltError,
  SUBPROTOCOL,
  envelope,
  errorEnvelope,
  parseData,
  encodeFrame,
  parseFrame,
  reconnectEventSchema,
  runtimeTokenSchema,
  runtimeWelcomeSchema,
  type Envelope,
} from '@codebolt/protocol';
import { fullJitterDelayMs, type BackoffSettings } from './backoff.js';
import { OutboundQueue, type OutboundQueueLimits } from './outbound-queue.js';
import { malformedFrameAnswer, rawDataToBuffer } from './malformed-frame.js';

/** Largest frame accepted from the relay (`maxPayload`), in bytes: 64 MiB. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Time allowed for the WebSocket upgrade, in milliseconds. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Time the relay has to answer `hello`, in milliseconds. */
const HELLO_TIMEOUT_MS = 10_000;
/** Time a graceful close may take before the socket is destroyed, in milliseconds. */
const CLOSE_TIMEOUT_MS = 5_000;
const REFUSAL_BODY_LIMIT_BYTES = 4096;
const REFUSAL_BODY_TIMEOUT_MS = 2_000;

/** What the relay answers to `hello`. */
export interface RuntimeWelcome {
  environmentId: string;
  generation: number;
  /** The relay's epoch of its relay→runtime stream. */
  epoch?: string;
  /** The highest seq of this runtime's stream the relay holds. */
  ack?: number;
}

export interface RuntimeHello {
  version: string;
  pid: number;
  workspace?: string;
}

export interface RelayConnectionOptions {
  /** `ws://host:port/v1/runtime` (or `wss://`). */
  url: string;
  /** Runtime token, sent as `Authorization: Bearer …`, never logged. */
  token: string;
  /** Data of the `hello` request, built on each connect. */
  hello: () => RuntimeHello;
  backoff: BackoffSettings;
  /** A ping goes out this often, in ms; a connection that answered nothing since the previous one is dropped. */
  pingIntervalMs: number;
  queueLimits?: OutboundQueueLimits;
  logger: (line: string) => void;
  /** Every valid inbound frame that is not connection housekeeping (app requests, mostly). */
  onRequest: (message: Envelope) => void;
  /** Each successful `hello` exchange. */
  onWelcome: (welcome: RuntimeWelcome) => void;
  /** The relay refused the token (HTTP 401/403 on upgrade, or an unauthorized `hello` answer); no reconnect follows. */
  onFatal: (error: CodeboltError) => void;
}

/** Per-socket state; a new one is made for every dial so that late events of an old socket touch nothing. */
interface Link {
  socket: WebSocket;
  helloId: string | undefined;
  helloTimer: NodeJS.Timeout | undefined;
  heartbeatTimer: NodeJS.Timeout | undefined;
  alive: boolean;
  /** HTTP status of a non-101 answer to the upgrade (already logged, or fatal). */
  refusedStatus: number | undefined;
  acks: AckScheduler;
}

/**
 * The runtime's connection to the relay's `/v1/runtime` endpoint: dials, says `hello`, keeps the
 * link alive with pings, and redials forever with full-jitter backoff unless the relay refuses the
 * token. Frames sent while the link is down (or before `hello` is answered) wait in a bounded
 * queue and go out in order after the next successful `hello`.
 *
 * Delivery is lossless within the queue bounds: every outbound frame carries a `seq` and stays
 * in the queue until the relay acknowledges it (cumulative `ack`), so frames written to a socket
 * that then broke are resent after the next `hello` (the relay drops duplicates by seq). Inbound
 * frames carry the relay's `seq`: duplicates are dropped and the highest is acknowledged,
 * batched. Only a queue overflow loses frames; the relay sees the jump in seq and reports a gap.
 */
export class RelayConnection {
  private token: string;
  private link: Link | undefined;
  private ready = false;
  private closing = false;
  private fatal: CodeboltError | undefined;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private requestedDelayMs: number | undefined;
  private helloCounter = 0;
  private droppedFrames = 0;
  private closed: Promise<void> | undefined;
  private readonly queue: OutboundQueue;
  /** Names this process's outbound stream; the relay resets its dedupe state when it changes. */
  private readonly streamId = randomBytes(9).toString('base64url');
  private outboundSeq = 0;
  private inboundEpoch: string | undefined;
  private inboundSeq = 0;

  constructor(private readonly options: RelayConnectionOptions) {
    this.token = options.token;
    this.queue = new OutboundQueue(options.queueLimits);
  }

  /** The token the next dial will use (the relay may replace it with `runtime-token`). */
  get currentToken(): string {
    return this.token;
  }

  /** Starts dialing. Calling it again, or after close(), does nothing. */
  start(): void {
    if (this.link || this.closing || this.reconnectTimer) return;
    this.dial();
  }

  /** Sends a frame now if the relay is connected and greeted, otherwise queues it. Dropped after close(). */
  send(frame: Envelope): void {
    if (this.closing && !this.link) return;
    this.outboundSeq += 1;
    const text = encodeFrame({ ...frame, seq: this.outboundSeq });
    const socket = this.link?.socket;
    const dropped = this.queue.push(text, this.outboundSeq);
    if (this.ready && socket?.readyState === WebSocket.OPEN) socket.send(text);
    if (dropped > 0) {
      if (this.droppedFrames === 0) {
        const { maxFrames, maxBytes } = this.queue.limits;
        this.options.logger(
          `outbound queue is full (${maxFrames} frames / ${Math.round(maxBytes / 1048576)} MiB) while the relay is unreachable; dropping the oldest frames`,
        );
      }
      this.droppedFrames += dropped;
    }
  }

  /**
   * Stops redialing and closes the socket gracefully (destroyed after 5 s). Frames still queued
   * are discarded. Idempotent; resolves once the socket is closed.
   */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const link = this.link;
    this.closed = new Promise<void>((resolve) => {
      if (!link) return resolve();
      const timer = setTimeout(() => link.socket.terminate(), CLOSE_TIMEOUT_MS);
      link.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (link.socket.readyState === WebSocket.CONNECTING) link.socket.terminate();
      else link.socket.close(1000, 'runtime shutting down');
    });
    return this.closed;
  }

  private dial(): void {
    this.reconnectTimer = undefined;
    const socket = new WebSocket(this.options.url, [SUBPROTOCOL], {
      headers: { Authorization: `Bearer ${this.token}` },
      maxPayload: MAX_FRAME_BYTES,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    });
    const link: Link = {
      socket,
      helloId: undefined,
      helloTimer: undefined,
      heartbeatTimer: undefined,
      alive: true,
      refusedStatus: undefined,
      acks: new AckScheduler((ack) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(envelope('ack', { ack })));
      }),
    };
    this.link = link;
    socket.on('error', (error) => {
      if (link.refusedStatus === undefined) this.options.logger(`relay connection error: ${error.message}`);
    });
    socket.on('unexpected-response', (_request, response) => this.refused(link, response));
    socket.on('open', () => this.greet(link));
    socket.on('message', (data, isBinary) => {
      link.alive = true;
      this.receive(link, rawDataToBuffer(data), isBinary);
    });
    socket.on('pong', () => {
      link.alive = true;
    });
    socket.on('close', (code) => this.closedLink(link, code));
  }

  private refused(link: Link, response: IncomingMessage): void {
    const status = response.statusCode ?? 0;
    link.refusedStatus = status;
    void readRefusalDetail(response).then((detail) => {
      if (isAuthRefusal(status)) this.fatal ??= tokenRefused(status, detail);
      else this.options.logger(`relay answered the WebSocket upgrade with HTTP ${status}${detail ? `: ${detail}` : ''}`);
      link.socket.terminate();
    });
  }

  private greet(link: Link): void {
    link.helloId = `hello-${++this.helloCounter}`;
    const received = this.inboundEpoch === undefined ? undefined : { epoch: this.inboundEpoch, seq: this.inboundSeq };
    link.socket.send(JSON.stringify(envelope('hello', { id: link.helloId, data: { ...this.options.hello(), stream: this.streamId, received } })));
    link.helloTimer = setTimeout(() => {
      this.options.logger(`relay did not answer hello within ${HELLO_TIMEOUT_MS} ms; reconnecting`);
      link.socket.terminate();
    }, HELLO_TIMEOUT_MS);
  }

  private receive(link: Link, raw: Buffer, isBinary: boolean): void {
    let message: Envelope;
    try {
      message = parseFrame(raw, isBinary);
    } catch (error) {
      this.options.logger(`answered a malformed frame from the relay with bad-request: ${CodeboltError.from(error).message}`);
      this.send(malformedFrameAnswer(raw, error));
      return;
    }
    if (message.type === 'hello' && message.re !== undefined) {
      if (message.re === link.helloId) this.welcomed(link, message);
      return;
    }
    if (message.type === 'ack') {
      if (message.ack !== undefined) this.queue.acknowledge(message.ack);
      return;
    }
    if (message.seq !== undefined) {
      link.acks.received(Math.max(message.seq, this.inboundSeq));
      if (message.seq <= this.inboundSeq) return;
      this.inboundSeq = message.seq;
    }
    if (message.type === 'runtime-token') return this.replaceToken(message);
    if (message.type === 'reconnect') return this.reconnectLater(link, message);
    if (message.re !== undefined) return;
    this.options.onRequest(message);
  }

  private welcomed(link: Link, message: Envelope): void {
    clearTimeout(link.helloTimer);
    link.helloTimer = undefined;
    if (message.error) {
      const { code } = message.error;
      if (code === 'unauthorized' || code === 'forbidden') {
        this.fatal = new CodeboltError(code, `the relay refused this runtime's hello (${code}: ${message.error.message}); this runtime stops`);
      } else {
        this.options.logger(`the relay refused hello (${code}: ${message.error.message}); reconnecting`);
      }
      link.socket.close(1000, 'hello refused');
      return;
    }
    let welcome: RuntimeWelcome;
    try {
      welcome = parseData(runtimeWelcomeSchema, message.data, 'hello answer');
    } catch (error) {
      this.options.logger(`${CodeboltError.from(error).message}; reconnecting`);
      link.socket.close(1002, 'invalid hello answer');
      return;
    }
    if (welcome.epoch !== undefined && welcome.epoch !== this.inboundEpoch) {
      this.inboundEpoch = welcome.epoch;
      this.inboundSeq = 0;
    }
    if (welcome.ack !== undefined) this.queue.acknowledge(welcome.ack);
    this.ready = true;
    this.attempt = 0;
    for (const text of this.queue.pending()) link.socket.send(text);
    if (this.droppedFrames > 0) {
      this.options.logger(`${this.droppedFrames} outbound frame(s) were dropped while the relay was unreachable (queue limit)`);
      this.droppedFrames = 0;
    }
    link.heartbeatTimer = setInterval(() => {
      if (!link.alive) {
        this.options.logger('relay did not answer a ping; reconnecting');
        link.socket.terminate();
        return;
      }
      link.alive = false;
      link.socket.ping();
    }, this.options.pingIntervalMs);
    this.options.logger(`connected to the relay: environment ${welcome.environmentId}, generation ${welcome.generation}`);
    this.options.onWelcome(welcome);
  }

  private replaceToken(message: Envelope): void {
    try {
      this.token = parseData(runtimeTokenSchema, message.data, 'runtime-token').token;
    } catch (error) {
      this.send(errorEnvelope('runtime-token', CodeboltError.from(error).toBody(), message.id));
      return;
    }
    this.options.logger('received a fresh runtime token for the next reconnect');
    if (message.id !== undefined) this.send(envelope('runtime-token', { re: message.id, data: {} }));
  }

  private reconnectLater(link: Link, message: Envelope): void {
    let retryAfterMs: number;
    try {
      retryAfterMs = parseData(reconnectEventSchema, message.data, 'reconnect').retryAfterMs;
    } catch (error) {
      this.send(errorEnvelope('reconnect', CodeboltError.from(error).toBody(), message.id));
      return;
    }
    this.requestedDelayMs = retryAfterMs;
    this.options.logger(`the relay is going away; reconnecting in ${retryAfterMs} ms`);
    link.socket.close(1000, 'reconnecting as the relay asked');
  }

  private closedLink(link: Link, code: number): void {
    link.acks.dispose();
    clearTimeout(link.helloTimer);
    clearInterval(link.heartbeatTimer);
    if (this.link !== link) return;
    this.link = undefined;
    if (link.refusedStatus !== undefined && isAuthRefusal(link.refusedStatus)) this.fatal ??= tokenRefused(link.refusedStatus, '');
    this.ready = false;
    if (this.fatal) {
      const fatal = this.fatal;
      this.closing = true;
      this.closed ??= Promise.resolve();
      this.options.onFatal(fatal);
      return;
    }
    if (this.closing) return;
    const delayMs = this.requestedDelayMs ?? fullJitterDelayMs(this.attempt++, this.options.backoff);
    this.requestedDelayMs = undefined;
    if (link.refusedStatus === undefined) this.options.logger(`relay connection closed (code ${code}); reconnecting in ${delayMs} ms`);
    else this.options.logger(`reconnecting in ${delayMs} ms`);
    this.reconnectTimer = setTimeout(() => this.dial(), delayMs);
  }
}

function isAuthRefusal(status: number): boolean {
  return status === 401 || status === 403;
}

function tokenRefused(status: number, detail: string): CodeboltError {
  return new CodeboltError(
    status === 401 ? 'unauthorized' : 'forbidden',
    `the relay refused the runtime token (HTTP ${status}${detail ? `: ${detail}` : ''}); it is invalid, expired or superseded by ` +
      'a newer runtime generation, so this runtime stops; the provider starts a fresh runtime with a new CODEBOLT_RUNTIME_TOKEN',
  );
}

/** Reads a refused upgrade's body (at most 4 KiB, 2 s) and returns its error message, if any. */
function readRefusalDetail(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      response.removeAllListeners('data');
      response.resume();
      resolve(describeRefusalBody(Buffer.concat(chunks).toString('utf8')));
    };
    const timer = setTimeout(finish, REFUSAL_BODY_TIMEOUT_MS);
    response.on('error', finish);
    response.on('end', finish);
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= REFUSAL_BODY_LIMIT_BYTES) finish();
    });
  });
}

function describeRefusalBody(body: string): string {
  const trimmed = body.trim();
  if (trimmed === '') return '';
  try {
    const value = JSON.parse(trimmed) as { error?: { code?: unknown; message?: unknown } };
    const message = value?.error?.message;
    if (typeof message === 'string') return message.slice(0, 300);
  } catch {
    // not JSON: fall through to the first line of text
  }
  return (trimmed.split('\n')[0] ?? '').slice(0, 300);
}
