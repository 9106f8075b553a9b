import { readFile, readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliJson } from './support/cli.js';
import { eventually, isProcessAlive } from './support/processes.js';
import { type RelaySession, startRelaySession } from './support/relay-session.js';

interface EnvironmentView {
  id: string;
  state: string;
  resourceId: string | null;
  runtime: { connected: boolean; pid: number | null };
}

/** Live provider processes spawned for this data dir (their environment names it; a runtime's does not carry CODEBOLT_PROVIDER_NAME). */
async function providerProcessesOf(dataDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = (await readFile(`/proc/${entry}/environ`, 'utf8')).split('\0');
      if (environ.includes(`CODEBOLT_HOME=${dataDir}`) && environ.some((line) => line.startsWith('CODEBOLT_PROVIDER_NAME=')) && (await isProcessAlive(Number(entry)))) {
        pids.push(Number(entry));
      }
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

let session: RelaySession;
beforeEach(async () => {
  session = await startRelaySession();
});
afterEach(async () => {
  await session.dispose();
});

describe('provider processes when the relay is killed', () => {
  it('kill -9 of the relay: its providers exit on their own; the next relay reattaches with exactly one provider per environment', async () => {
    const first = await cliJson<EnvironmentView>(['env', 'create', 'orphan-a', '--provider', 'local'], session.env);
    const second = await cliJson<EnvironmentView>(['env', 'create', 'orphan-b', '--provider', 'local'], session.env);
    expect([first.state, second.state]).toEqual(['running', 'running']);
    const runtimePids = await Promise.all(
      [first.id, second.id].map(async (id) => (await cliJson<EnvironmentView>(['env', 'get', id], session.env)).runtime.pid!),
    );
    const providers = await providerProcessesOf(session.dataDir);
    expect(providers).toHaveLength(2);

    await session.relay.stop('SIGKILL');
    await eventually(async () => (await providerProcessesOf(session.dataDir)).length === 0, 'the killed relay’s provider processes to exit', 30_000);
    for (const pid of providers) expect(await isProcessAlive(pid)).toBe(false);
    // The runtimes are independent of the relay and keep running.
    for (const pid of runtimePids) expect(await isProcessAlive(pid)).toBe(true);

    await session.restart('SIGKILL'); // already dead: this only starts the next relay on the same data dir
    for (const [index, id] of [first.id, second.id].entries()) {
      const view = await eventually(async () => {
        const current = await cliJson<EnvironmentView>(['env', 'get', id], session.env);
        return current.state === 'running' && current.runtime.connected ? current : undefined;
      }, `environment ${id} reattached`);
      expect(view.runtime.pid).toBe(runtimePids[index]);
    }
    const after = await providerProcessesOf(session.dataDir);
    expect(after).toHaveLength(2);
    for (const pid of after) expect(providers).not.toContain(pid);
  });
});
