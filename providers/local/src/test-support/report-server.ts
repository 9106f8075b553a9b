import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** Generous: tests run on a loaded 2-core machine. */
export const WAIT_TIMEOUT_MS = 20_000;

/** What a test runtime (test-fixtures/test-runtime.mjs) reports once it runs. */
export interface RuntimeReport {
  role: 'runtime' | 'child';
  pid: number;
  ppid: number;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  childPid?: number;
}

/** One reporting process; `closed` settles when its connection closes, i.e. when the process died. */
export interface ReportedProcess {
  report: RuntimeReport;
  closed: Promise<void>;
  isClosed: () => boolean;
}

/**
 * A TCP server on 127.0.0.1, port 0, that test runtimes dial to report their pid, argv and env.
 * A runtime's connection closes when the process dies, so a test waits on that instead of polling.
 */
export class ReportServer {
  readonly processes: ReportedProcess[] = [];
  private readonly waiters: Array<() => void> = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<ReportServer> {
    const server = createServer();
    server.on('error', () => {});
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const reports = new ReportServer(server, (server.address() as AddressInfo).port);
    server.on('connection', (socket) => reports.accept(socket));
    return reports;
  }

  /** The first reported process that matches, waiting for it. */
  async waitFor(predicate: (report: RuntimeReport) => boolean, what: string, timeoutMs = WAIT_TIMEOUT_MS): Promise<ReportedProcess> {
    const found = new Promise<ReportedProcess>((resolve) => {
      const check = (): void => {
        const match = this.processes.find((process) => predicate(process.report));
        if (match) resolve(match);
        else this.waiters.push(check);
      };
      check();
    });
    return within(found, what, timeoutMs);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private accept(socket: Socket): void {
    socket.on('error', () => {});
    this.sockets.add(socket);
    let closed = false;
    const closedPromise = new Promise<void>((resolve) =>
      socket.once('close', () => {
        closed = true;
        this.sockets.delete(socket);
        resolve();
      }),
    );
    let buffer = '';
    let reported = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      if (reported) return;
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline === -1) return;
      reported = true;
      const report = JSON.parse(buffer.slice(0, newline)) as RuntimeReport;
      this.processes.push({ report, closed: closedPromise, isClosed: () => closed });
      for (const waiter of this.waiters.splice(0)) waiter();
    });
  }
}

/** Rejects after `timeoutMs` unless `promise` settles first. */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = WAIT_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
