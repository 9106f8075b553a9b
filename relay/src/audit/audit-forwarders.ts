import { type ChildProcess, spawn } from 'node:child_process';
import type { Logger } from '../logger.js';
import type { AuditEntry } from './audit-log.js';

/** Environment variables a hook command inherits; nothing of the relay's own secrets. */
const HOOK_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ', 'USER'];

/** Where audit entries go besides audit.log (a SIEM). Best effort: a failure never blocks the relay. */
export interface AuditForwarder {
  /** Called with every entry after it is on disk; undefined when nothing is configured. */
  forward: ((entry: AuditEntry) => void) | undefined;
  /** Stops forwarding: ends the hook command's stdin and waits up to 5 s for it to exit. */
  close(): Promise<void>;
}

export interface AuditForwardingOptions {
  /** POST each entry as JSON to this URL (5 s timeout). */
  auditWebhookUrl?: string | undefined;
  /**
   * Run this command (argv; no shell) once and write each entry to its stdin as one JSON line.
   * If it exits it is started again on the next entry, at most once per `restartIntervalMs`;
   * entries in between are dropped and counted in a warning.
   */
  auditHookCommand?: string[] | undefined;
}

export function createAuditForwarder(options: AuditForwardingOptions, logger: Logger, restartIntervalMs = 5_000): AuditForwarder {
  const targets: Array<(entry: AuditEntry) => void> = [];
  const closers: Array<() => Promise<void>> = [];
  if (options.auditWebhookUrl) targets.push(webhookTarget(options.auditWebhookUrl, logger));
  if (options.auditHookCommand && options.auditHookCommand.length > 0) {
    const hook = new HookCommand(options.auditHookCommand, logger, restartIntervalMs);
    targets.push((entry) => hook.write(entry));
    closers.push(() => hook.close());
  }
  return {
    forward: targets.length === 0 ? undefined : (entry) => targets.forEach((target) => target(entry)),
    close: async () => {
      await Promise.all(closers.map((closer) => closer()));
    },
  };
}

function webhookTarget(url: string, logger: Logger): (entry: AuditEntry) => void {
  return (entry) => {
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(entry), signal: AbortSignal.timeout(5_000) }).then(
      (response) => {
        if (!response.ok) logger.warn('audit forwarding was refused', { status: response.status });
        void response.body?.cancel();
      },
      (error: unknown) => logger.warn('audit forwarding failed', { error }),
    );
  };
}

/** A long-lived hook process fed one JSON line per entry on stdin. */
class HookCommand {
  #child: ChildProcess | undefined;
  #startedAt = 0;
  #dropped = 0;
  #closed = false;

  constructor(
    private readonly argv: string[],
    private readonly logger: Logger,
    private readonly restartIntervalMs: number,
  ) {}

  write(entry: AuditEntry): void {
    const child = this.#running();
    if (!child?.stdin?.writable) {
      this.#dropped++;
      return;
    }
    child.stdin.write(`${JSON.stringify(entry)}\n`);
  }

  #running(): ChildProcess | undefined {
    if (this.#closed) return undefined;
    if (this.#child && this.#child.exitCode === null && this.#child.signalCode === null) return this.#child;
    if (this.#child && Date.now() - this.#startedAt < this.restartIntervalMs) return undefined;
    if (this.#dropped > 0) {
      this.logger.warn('audit hook command was down; entries were not forwarded to it (audit.log has them)', { dropped: this.#dropped });
      this.#dropped = 0;
    }
    const env: NodeJS.ProcessEnv = {};
    for (const name of HOOK_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
    const [command, ...args] = this.argv as [string, ...string[]];
    const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'inherit'], env, shell: false });
    this.#child = child;
    this.#startedAt = Date.now();
    child.on('error', (error) => this.logger.warn('audit hook command could not run', { command, error: error.message }));
    child.stdin.on('error', () => undefined);
    child.on('exit', (code, signal) => {
      if (!this.#closed) this.logger.warn('audit hook command exited; it is started again on the next entry', { command, code, signal });
    });
    return child;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
