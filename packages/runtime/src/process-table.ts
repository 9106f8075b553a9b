import type { ChildProcess } from 'node:child_process';

/** The signals an app may send to a running exec. */
export type ProcessSignal = 'SIGTERM' | 'SIGKILL' | 'SIGINT' | 'SIGHUP';

/** A spawned exec, leader of its own process group. */
export interface RunningProcess {
  id: string;
  child: ChildProcess;
  /** Resolves once the exec has ended: both output streams closed and its process-exit sent. */
  ended: Promise<void>;
}

/**
 * The execs that are still running, by exec request id. Every exec leads its own process group
 * (spawned detached), so signals reach the program and everything it started.
 */
export class ProcessTable {
  private readonly running = new Map<string, RunningProcess>();

  get size(): number {
    return this.running.size;
  }

  has(id: string): boolean {
    return this.running.has(id);
  }

  add(running: RunningProcess): void {
    this.running.set(running.id, running);
  }

  delete(id: string): void {
    this.running.delete(id);
  }

  /**
   * Finds the exec `processId` names. The relay rewrites request ids to `<session>:<id>`; when a
   * kill names the exec by the app's own id, the kill request's session prefix is tried as well,
   * so an app reaches its own execs either way.
   */
  find(processId: string, killRequestId: string): RunningProcess | undefined {
    const exact = this.running.get(processId);
    if (exact) return exact;
    const colon = killRequestId.indexOf(':');
    return colon > 0 ? this.running.get(`${killRequestId.slice(0, colon + 1)}${processId}`) : undefined;
  }

  /** Sends `signal` to the exec's whole process group; false when nothing was there to signal. */
  signal(running: RunningProcess, signal: ProcessSignal): boolean {
    return signalGroup(running.child, signal);
  }

  /**
   * Stops every running exec: SIGTERM to each process group, then SIGKILL to the groups after
   * `graceMs` (default 2000 ms) or as soon as every exec has ended. Resolves when every exec has
   * ended (its process-exit sent), or after a further 5 s at the latest.
   */
  async terminateAll(graceMs = 2_000): Promise<void> {
    const processes = [...this.running.values()];
    if (processes.length === 0) return;
    for (const running of processes) signalGroup(running.child, 'SIGTERM');
    const allEnded = Promise.all(processes.map((running) => running.ended));
    await waitAtMost(allEnded, graceMs);
    for (const running of processes) signalGroup(running.child, 'SIGKILL');
    await waitAtMost(allEnded, 5_000);
  }
}

function signalGroup(child: ChildProcess, signal: ProcessSignal): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    return child.exitCode === null && child.signalCode === null ? child.kill(signal) : false;
  }
}

async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
