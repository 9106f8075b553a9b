/**
 * Test support (not exported): a real HTTP + WebSocket server on port 0 that plays the relay's
 * part of the API, so SDK tests run over real sockets. Tests register routes and a connection
 * handler; everything it opened is closed by `close()`.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Environment } from '@codebolt/protocol';
import { type WebSocket, WebSocketServer } from 'ws';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface RouteAnswer {
  status: number;
  body?: unknown;
  /** Raw text body instead of JSON. */
  text?: string;
}

export type RouteHandler = (request: RecordedRequest) => RouteAnswer | Promise<RouteAnswer>;

export interface RecordedConnection {
  socket: WebSocket;
  frames: FrameReader;
  url: URL;
  headers: IncomingHttpHeaders;
  protocol: string;
}

export interface TestRelay {
  url: string;
  port: number;
  requests: RecordedRequest[];
  connections: RecordedConnection[];
  route(method: string, path: string, handler: RouteHandler): void;
  onConnect(handler: (connection: RecordedConnection) => void): void;
  close(): Promise<void>;
}

export interface TestRelayOptions {
  /** Token the server accepts (HTTP header or bearer.<token> subprotocol). Default 'test-token'. */
  token?: string;
}

export async function startTestRelay(options: TestRelayOptions = {}): Promise<TestRelay> {
  const token = options.token ?? 'test-token';
  const routes = new Map<string, RouteHandler>();
  const requests: RecordedRequest[] = [];
  const connections: RecordedConnection[] = [];
  const sockets = new Set<Socket>();
  let connectHandler: (connection: RecordedConnection) => void = () => undefined;

  const server = createServer((request, response) => {
    void handleHttp(request, response);
  });
  server.on('error', () => undefined);
  server.on('connection', (socket) => {
    socket.on('error', () => undefined);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const webSocketServer = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has('codebolt.v1') ? 'codebolt.v1' : false),
  });
  webSocketServer.on('error', () => undefined);

  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => undefined);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const offered = String(request.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((entry) => entry.trim());
    if (url.pathname !== '/v1/connect' || !offered.includes(`bearer.${token}`)) {
      const status = url.pathname !== '/v1/connect' ? '404 Not Found' : '401 Unauthorized';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    webSocketServer.handleUpgrade(request, socket, head, (webSocket) => {
      webSocket.on('error', () => undefined);
      const connection = { socket: webSocket, frames: new FrameReader(webSocket), url, headers: request.headers, protocol: webSocket.protocol };
      connections.push(connection);
      connectHandler(connection);
    });
  });

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers: request.headers,
      body: text ? JSON.parse(text) : undefined,
    };
    requests.push(recorded);
    const handler = routes.get(`${recorded.method} ${recorded.path}`);
    let answer: RouteAnswer;
    if (recorded.path !== '/health' && request.headers.authorization !== `Bearer ${token}`) {
      answer = { status: 401, body: { error: { code: 'unauthorized', message: 'invalid token; pass the right one' } } };
    } else if (!handler) {
      answer = { status: 404, body: { error: { code: 'not-found', message: `no route ${recorded.method} ${recorded.path}` } } };
    } else {
      answer = await handler(recorded);
    }
    if (response.destroyed) return;
    const body = answer.text ?? (answer.body === undefined ? '' : JSON.stringify(answer.body));
    response.writeHead(answer.status, { 'content-type': answer.text === undefined ? 'application/json' : 'text/html' });
    response.end(body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    connections,
    route(method, path, handler) {
      routes.set(`${method} ${path}`, handler);
    },
    onConnect(handler) {
      connectHandler = handler;
    },
    async close() {
      for (const client of webSocketServer.clients) client.terminate();
      await new Promise<void>((resolve, reject) => webSocketServer.close((error) => (error ? reject(error) : resolve())));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** A valid public environment record with the given fields changed. */
export function environmentRecord(fields: Partial<Environment> = {}): Environment {
  const now = new Date(0).toISOString();
  return {
    id: 'env_1',
    name: 'demo',
    tenant: 'default',
    owner: 'admin',
    provider: { name: 'local', version: '0.1.0' },
    config: {},
    state: 'running',
    desiredState: 'running',
    resourceId: null,
    runtime: { connected: true, version: '0.1.0', generation: 1, pid: null },
    lease: { idleTimeoutMs: null, maxLifetimeMs: null, expiresAt: null },
    lastError: null,
    createdAt: now,
    updatedAt: now,
    ...fields,
  };
}

export interface ReceivedFrame {
  type: string;
  id?: string;
  re?: string;
  data?: any;
}

/**
 * Buffers every frame a server-side socket receives (none is lost between two awaits) and hands
 * them out in order; `next()` rejects if the socket closes first. Like the relay, it answers the
 * channel's `resume` (recorded in `resumes`, not handed out) with `resumed` at seq 0; the `seq`
 * of numbered frames is recorded in `seqs` and removed from the frame handed out.
 */
export class FrameReader {
  private readonly frames: ReceivedFrame[] = [];
  private waiting: { resolve: (frame: ReceivedFrame) => void; reject: (error: Error) => void } | undefined;
  private closed = false;
  readonly resumes: ReceivedFrame[] = [];
  readonly seqs: number[] = [];

  constructor(socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as ReceivedFrame & { seq?: number };
      if (frame.type === 'resume') {
        this.resumes.push(frame);
        socket.send(JSON.stringify({ v: 1, type: 'resumed', re: frame.id, data: { epoch: 'test-epoch', head: 0, ack: 0, replayed: 0 } }));
        return;
      }
      if (frame.seq !== undefined) {
        this.seqs.push(frame.seq);
        delete frame.seq;
      }
      if (this.waiting) {
        const waiting = this.waiting;
        this.waiting = undefined;
        waiting.resolve(frame);
      } else this.frames.push(frame);
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.reject(new Error('socket closed before the next frame'));
      this.waiting = undefined;
    });
  }

  next(): Promise<ReceivedFrame> {
    const frame = this.frames.shift();
    if (frame) return Promise.resolve(frame);
    if (this.closed) return Promise.reject(new Error('socket closed before the next frame'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }
}

/** Sends one envelope from the server side. */
export function sendFrame(socket: WebSocket, frame: Record<string, unknown>): void {
  socket.send(JSON.stringify({ v: 1, ...frame }));
}
