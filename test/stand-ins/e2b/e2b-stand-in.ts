/**
 * STAND-IN, NOT E2B. A local HTTP server that answers the E2B REST API (api.e2b.app) for exactly
 * the calls the `e2b` JS SDK makes for the Codebolt E2B provider — same paths, field names,
 * status codes and `{ code, message }` error bodies as the published API — plus the one envd
 * call the provider uses (`process.Process/Start`, see envd-process-start.ts). Point the real
 * SDK at it with `apiUrl` / `E2B_API_URL` (REST) and `sandboxUrl` / `E2B_SANDBOX_URL` (envd).
 *
 * A "sandbox" here is a directory (`<root>/<sandboxId>/`, the sandbox's $HOME with `workspace/`
 * and `state/`) plus the processes started in it. `codebolt-runtime` (a script that runs the
 * real `@codebolt/runtime` bin) is on every sandbox's PATH; a template's start command, or an
 * envd `process.Process/Start` call, runs it with the sandbox's `envVars`, so the runtime
 * really dials back. Pause kills the sandbox's processes and
 * keeps its directory; connect resumes it (processes are not restored: the caller starts what it
 * needs through envd, as after a reboot); kill removes everything. The timeout is honoured: at
 * `endAt` the sandbox is killed (or paused, with `autoPause`).
 *
 * Used by the E2B provider's tests only. Faults for tests: `createReplyDelayMs` (the create is
 * done, the reply comes late), `maxConcurrentSandboxes` (429 with E2B's concurrency-limit
 * body), `pauseUnsupported` (403 for pause), `envdUnreachable` (502 for envd calls),
 * `rateLimited` (429 for every API call), `killBehindBack(id)`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failStream, readEnvelopedJson, startStream, writeEnvelope, type StartRequest } from './envd-process-start.js';

/** The envd version the stand-in reports (≥ 0.4.0: the SDK sends no default user). */
const ENVD_VERSION = '0.5.7';
const CLIENT_ID = 'stand-in-client';

export interface StandInTemplate {
  /**
   * The command the template runs when each sandbox starts (`/bin/bash -l -c <startCommand>`),
   * with the sandbox's `envVars`. (E2B itself runs a start command once, at template build, and
   * snapshots it; the stand-in runs it per sandbox, as some E2B-compatible backends do.) None:
   * the sandbox starts with no process, and the caller starts what it needs through envd.
   */
  startCommand?: string;
  /** Environment variables the template sets for every process. */
  envs?: Record<string, string>;
}

export interface E2bStandInOptions {
  /** The one API key accepted (`X-API-KEY`). */
  apiKey: string;
  /** Absolute path of `@codebolt/runtime`'s dist/bin.js; the `codebolt-runtime` command runs it. */
  runtimeBin: string;
  /** Templates by id. Default: `codebolt-base` (`codebolt-runtime` on PATH, no start command) and `codebolt-runtime` (start command `codebolt-runtime`). */
  templates?: Record<string, StandInTemplate>;
}

export interface StandInSandbox {
  sandboxId: string;
  templateId: string;
  metadata: Record<string, string>;
  envVars: Record<string, string>;
  state: 'running' | 'paused';
  startedAt: Date;
  endAt: Date;
  autoPause: boolean;
  home: string;
  processes: Set<ChildProcess>;
  timer: NodeJS.Timeout | undefined;
}

/** E2B's answer when an account is at its concurrent-sandbox limit (HTTP 429). */
export function concurrencyLimitMessage(limit: number): string {
  return `You have reached the maximum number of concurrent E2B sandboxes (${limit}). If you need more, please contact us at 'https://e2b.dev/docs/getting-help'`;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class E2bStandIn {
  readonly sandboxes = new Map<string, StandInSandbox>();
  /** Every request, as `METHOD /path` (for assertions on what the SDK called). */
  readonly requests: string[] = [];
  /** When set, POST /v2/sandboxes makes the sandbox and then waits this long before replying. Cleared after one use. */
  createReplyDelayMs: number | undefined;
  /** When set, a create beyond this many running sandboxes is answered 429 as E2B does. */
  maxConcurrentSandboxes: number | undefined;
  /** When true, pause is answered 403, as for a team or E2B-compatible API without pause. */
  pauseUnsupported = false;
  /** When true, envd calls are answered 502 as E2B's edge does when it cannot reach a sandbox's envd. */
  envdUnreachable = false;
  /** When true, every API call (after the key check) is answered 429 "Rate limit exceeded", without Retry-After. */
  rateLimited = false;
  private readonly templates: Record<string, StandInTemplate>;
  private readonly pendingReplies = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly options: E2bStandInOptions,
    private readonly server: Server,
    private readonly root: string,
    private readonly binDir: string,
    readonly apiUrl: string,
  ) {
    this.templates = options.templates ?? { 'codebolt-base': {}, 'codebolt-runtime': { startCommand: 'codebolt-runtime' } };
  }

  /** Starts the stand-in on 127.0.0.1, port 0. */
  static async start(options: E2bStandInOptions): Promise<E2bStandIn> {
    const root = await mkdtemp(join(tmpdir(), 'codebolt-e2b-stand-in-'));
    const binDir = join(root, 'bin');
    await mkdir(binDir);
    // The template's runtime command, as a template image would have it on PATH.
    await writeFile(join(binDir, 'codebolt-runtime'), `#!/bin/sh\nexec '${process.execPath}' '${options.runtimeBin}' "$@"\n`);
    await chmod(join(binDir, 'codebolt-runtime'), 0o755);
    const server = createServer();
    server.on('error', () => {});
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const standIn = new E2bStandIn(options, server, root, binDir, `http://127.0.0.1:${port}`);
    server.on('request', (request, response) => {
      request.on('error', () => {});
      response.on('error', () => {});
      standIn.handle(request, response).catch((error: unknown) => {
        const failure = error instanceof HttpFailure ? error : new HttpFailure(500, (error as Error).message);
        if (!response.headersSent) sendJson(response, failure.status, { code: failure.status, message: failure.message });
        else response.destroy();
      });
    });
    return standIn;
  }

  /** The envd base URL (`sandboxUrl` / `E2B_SANDBOX_URL`); the SDK names the sandbox in `E2b-Sandbox-Id`. */
  get sandboxUrl(): string {
    return `${this.apiUrl}/envd`;
  }

  /** Kills a sandbox as if someone else did (the dashboard, the CLI, its timeout). */
  async killBehindBack(sandboxId: string): Promise<void> {
    const sandbox = this.sandboxes.get(sandboxId);
    if (sandbox) await this.remove(sandbox);
  }

  /** Kills every sandbox process, removes every sandbox directory, closes the server. */
  async close(): Promise<void> {
    for (const timer of this.pendingReplies) clearTimeout(timer);
    for (const sandbox of [...this.sandboxes.values()]) await this.remove(sandbox);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.root, { recursive: true, force: true });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.apiUrl);
    const method = request.method ?? 'GET';
    this.requests.push(`${method} ${url.pathname}`);
    if (url.pathname === '/envd/process.Process/Start' && method === 'POST') return this.processStart(request, response);
    if (request.headers['x-api-key'] !== this.options.apiKey) {
      throw new HttpFailure(401, 'Invalid API key, please visit https://e2b.dev/docs/api-key for more information.');
    }
    if (this.rateLimited) throw new HttpFailure(429, 'Rate limit exceeded');
    const path = url.pathname.split('/').filter(Boolean);
    if (method === 'POST' && url.pathname === '/v2/sandboxes') return this.create(request, response);
    if (method === 'GET' && url.pathname === '/v2/sandboxes') return sendJson(response, 200, this.list(url.searchParams));
    if (path[0] === 'sandboxes' && path.length === 2 && method === 'GET') return sendJson(response, 200, detail(this.sandbox(path[1]!)));
    if (path[0] === 'sandboxes' && path.length === 2 && method === 'DELETE') {
      await this.remove(this.sandbox(path[1]!));
      return send(response, 204);
    }
    if (path[0] === 'sandboxes' && path[2] === 'timeout' && method === 'POST') {
      const sandbox = this.sandbox(path[1]!);
      const body = (await readJson(request)) as { timeout?: unknown };
      if (typeof body.timeout !== 'number' || body.timeout < 0) throw new HttpFailure(400, 'timeout must be a non-negative number of seconds');
      this.arm(sandbox, body.timeout);
      return send(response, 204);
    }
    if (path[0] === 'sandboxes' && path[2] === 'pause' && method === 'POST') {
      const sandbox = this.sandbox(path[1]!);
      if (this.pauseUnsupported) throw new HttpFailure(403, 'Pausing sandboxes is not enabled for this team');
      if (sandbox.state === 'paused') throw new HttpFailure(409, `Sandbox ${sandbox.sandboxId} is already paused`);
      await this.pause(sandbox);
      return send(response, 204);
    }
    if (path[0] === 'v2' && path[1] === 'sandboxes' && path[3] === 'connect' && method === 'POST') {
      const sandbox = this.sandbox(path[2]!);
      const body = (await readJson(request)) as { timeout?: unknown };
      const timeout = typeof body.timeout === 'number' ? body.timeout : 15;
      const resumed = sandbox.state === 'paused';
      sandbox.state = 'running';
      this.arm(sandbox, timeout);
      return sendJson(response, resumed ? 201 : 200, created(sandbox));
    }
    throw new HttpFailure(404, `${method} ${url.pathname} is not an endpoint of this E2B stand-in`);
  }

  private sandbox(sandboxId: string): StandInSandbox {
    const sandbox = this.sandboxes.get(sandboxId);
    if (!sandbox) throw new HttpFailure(404, `sandbox "${sandboxId}" doesn't exist or you don't have access to it`);
    return sandbox;
  }

  private async create(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = (await readJson(request)) as {
      templateID?: unknown;
      metadata?: Record<string, string>;
      envVars?: Record<string, string>;
      timeout?: number;
      autoPause?: boolean;
    };
    if (typeof body.templateID !== 'string') throw new HttpFailure(400, 'templateID is required');
    const template = this.templates[body.templateID];
    if (!template) throw new HttpFailure(404, `template '${body.templateID}' not found`);
    const running = [...this.sandboxes.values()].filter((sandbox) => sandbox.state === 'running').length;
    if (this.maxConcurrentSandboxes !== undefined && running >= this.maxConcurrentSandboxes) {
      throw new HttpFailure(429, concurrencyLimitMessage(this.maxConcurrentSandboxes));
    }
    const sandboxId = `i${randomBytes(10).toString('hex')}`;
    const home = join(this.root, sandboxId);
    await mkdir(join(home, 'workspace'), { recursive: true });
    await mkdir(join(home, 'state'), { recursive: true });
    // The template user's login profile: keeps the template's bin dir on PATH for `bash -l`.
    await writeFile(join(home, '.bash_profile'), `export PATH='${this.binDir}':"$PATH"\n`);
    const now = new Date();
    const sandbox: StandInSandbox = {
      sandboxId,
      templateId: body.templateID,
      metadata: body.metadata ?? {},
      envVars: body.envVars ?? {},
      state: 'running',
      startedAt: now,
      endAt: now,
      autoPause: body.autoPause === true,
      home,
      processes: new Set(),
      timer: undefined,
    };
    this.sandboxes.set(sandboxId, sandbox);
    this.arm(sandbox, body.timeout ?? 300);
    if (template.startCommand) this.run(sandbox, '/bin/bash', ['-l', '-c', template.startCommand], {});
    const delayMs = this.createReplyDelayMs;
    this.createReplyDelayMs = undefined;
    if (delayMs !== undefined) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.pendingReplies.delete(timer);
          resolve();
        }, delayMs);
        this.pendingReplies.add(timer);
      });
    }
    sendJson(response, 201, created(sandbox));
  }

  private list(query: URLSearchParams): unknown[] {
    const wanted = new URLSearchParams(query.get('metadata') ?? '');
    const states = (query.get('state') ?? 'running,paused').split(',');
    return [...this.sandboxes.values()]
      .filter((sandbox) => states.includes(sandbox.state))
      .filter((sandbox) => [...wanted].every(([key, value]) => sandbox.metadata[decodeURIComponent(key)] === decodeURIComponent(value)))
      .map(detail);
  }

  /** Sets the sandbox to end `seconds` from now (E2B's `timeout`), killing or pausing it then. */
  private arm(sandbox: StandInSandbox, seconds: number): void {
    if (sandbox.timer) clearTimeout(sandbox.timer);
    sandbox.endAt = new Date(Date.now() + seconds * 1000);
    sandbox.timer = setTimeout(() => {
      void (sandbox.autoPause ? this.pause(sandbox) : this.remove(sandbox));
    }, seconds * 1000);
    sandbox.timer.unref();
  }

  private async pause(sandbox: StandInSandbox): Promise<void> {
    if (sandbox.timer) clearTimeout(sandbox.timer);
    sandbox.state = 'paused';
    await this.killProcesses(sandbox);
  }

  private async remove(sandbox: StandInSandbox): Promise<void> {
    if (sandbox.timer) clearTimeout(sandbox.timer);
    this.sandboxes.delete(sandbox.sandboxId);
    await this.killProcesses(sandbox);
    await rm(sandbox.home, { recursive: true, force: true });
  }

  /**
   * Ends every process of the sandbox, as a VM that stops would: the process groups it started,
   * and any descendant that moved to a group of its own (the runtime runs each exec in its own
   * group), found by the sandbox marker every sandbox process inherits in its environment.
   */
  private async killProcesses(sandbox: StandInSandbox): Promise<void> {
    for (const pid of await markedProcesses(sandbox.sandboxId)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const exits = [...sandbox.processes].map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      await exited;
    });
    await Promise.all(exits);
  }

  /** Runs a process in the sandbox: its own process group, $HOME = the sandbox dir, env = template < sandbox envVars < `envs`. */
  private run(sandbox: StandInSandbox, command: string, args: string[], envs: Record<string, string>, cwd?: string): ChildProcess {
    const template = this.templates[sandbox.templateId] ?? {};
    const child = spawn(command, args, {
      cwd: cwd ?? sandbox.home,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: sandbox.home,
        CODEBOLT_WORKSPACE: join(sandbox.home, 'workspace'),
        CODEBOLT_RUNTIME_STATE_DIR: join(sandbox.home, 'state'),
        ...template.envs,
        ...sandbox.envVars,
        ...envs,
        [SANDBOX_MARKER]: sandbox.sandboxId,
      },
    });
    child.on('error', () => {});
    child.stdout?.resume();
    child.stderr?.resume();
    sandbox.processes.add(child);
    child.on('exit', () => sandbox.processes.delete(child));
    return child;
  }

  private async processStart(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const sandboxId = String(request.headers['e2b-sandbox-id'] ?? '');
    const sandbox = this.sandboxes.get(sandboxId);
    const message = (await readEnvelopedJson(request)) as StartRequest;
    // E2B's edge answers 502 for a sandbox that is not running.
    if (!sandbox || sandbox.state !== 'running' || this.envdUnreachable) {
      return sendJson(response, 502, { sandboxId, message: 'The sandbox was not found', code: 502 });
    }
    if (!message?.process?.cmd) return failStream(response, 'invalid_argument', 'process.cmd is required');
    const child = this.run(sandbox, message.process.cmd, message.process.args ?? [], message.process.envs ?? {}, message.process.cwd);
    startStream(response);
    await once(child, 'spawn').catch(() => undefined);
    writeEnvelope(response, { event: { start: { pid: child.pid } } });
    // The process outlives the caller: a client that disconnects (a background command) leaves it running.
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (response.writableEnded || response.destroyed) return;
      writeEnvelope(response, { event: { end: { exitCode: code ?? -1, exited: code !== null, status: signal ? `signal: ${signal}` : `exit status ${code}` } } });
      writeEnvelope(response, {}, true);
      response.end();
    };
    child.once('exit', onExit);
    response.once('close', () => child.off('exit', onExit));
  }
}

/** Environment variable that marks every process of a stand-in sandbox (inherited by its descendants). */
const SANDBOX_MARKER = 'E2B_STAND_IN_SANDBOX_ID';

/** Pids of live processes whose environment carries the marker of `sandboxId` (Linux /proc). */
async function markedProcesses(sandboxId: string): Promise<number[]> {
  const marker = `\0${SANDBOX_MARKER}=${sandboxId}\0`;
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    if (`\0${environ}`.includes(marker)) pids.push(Number(entry));
  }
  return pids;
}

function created(sandbox: StandInSandbox): Record<string, unknown> {
  return { templateID: sandbox.templateId, sandboxID: sandbox.sandboxId, clientID: CLIENT_ID, envdVersion: ENVD_VERSION, domain: null };
}

function detail(sandbox: StandInSandbox): Record<string, unknown> {
  return {
    templateID: sandbox.templateId,
    sandboxID: sandbox.sandboxId,
    clientID: CLIENT_ID,
    startedAt: sandbox.startedAt.toISOString(),
    endAt: sandbox.endAt.toISOString(),
    envdVersion: ENVD_VERSION,
    cpuCount: 2,
    memoryMB: 512,
    diskSizeMB: 1024,
    metadata: sandbox.metadata,
    state: sandbox.state,
  };
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpFailure(400, 'request body is not JSON');
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function send(response: ServerResponse, status: number): void {
  if (response.destroyed) return;
  response.writeHead(status);
  response.end();
}
