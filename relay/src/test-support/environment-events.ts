import WebSocket from 'ws';
import type { RelayFixture } from './relay-fixture.js';

/** The part of an environment's public view the relay tests look at. */
export interface EnvironmentView {
  id: string;
  state: string;
  lastError: { code: string; message: string } | null;
  lease: Record<string, unknown>;
  stopReason?: { reason: string; message: string; at: string } | null;
}

/** Waits (on the environment's env-state events, no polling) until `accept` holds for its view. */
export async function waitForEnvironment(fixture: RelayFixture, id: string, accept: (view: EnvironmentView) => boolean, what: string, timeoutMs = 90_000): Promise<EnvironmentView> {
  const socket = new WebSocket(`${fixture.relay.url.replace('http', 'ws')}/v1/connect?env=${id}`, ['codebolt.v1'], { headers: { authorization: `Bearer ${fixture.adminToken}` } });
  socket.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<EnvironmentView>((resolvePromise, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for environment ${id}: ${what}`)), timeoutMs);
      socket.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { type: string; data?: { environment?: EnvironmentView } };
        if (frame.type === 'env-state' && frame.data?.environment && accept(frame.data.environment)) resolvePromise(frame.data.environment);
      });
      socket.on('close', () => reject(new Error(`socket closed before environment ${id}: ${what}`)));
    });
  } finally {
    clearTimeout(timer);
    socket.close();
  }
}

/** Polls `check` until it returns a truthy value; for conditions no event announces (files, processes). */
export async function eventually<T>(check: () => Promise<T> | T, what: string, timeoutMs = 60_000, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, intervalMs));
  }
}

/** True when the pid is alive and not a zombie (Linux /proc). */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const { readFile } = await import('node:fs/promises');
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
