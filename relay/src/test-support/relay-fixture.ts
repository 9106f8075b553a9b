import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Relay, startRelay } from '../relay.js';
import type { RelayOptions } from '../options.js';

/** The local provider's package dir (its metadata is all the relay reads until it spawns one). */
export const LOCAL_PROVIDER_DIR = resolve(fileURLToPath(import.meta.url), '../../../../providers/local');

export interface RelayFixture {
  relay: Relay;
  dataDir: string;
  adminToken: string;
  api(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

/** Starts a real relay on port 0 with a fresh temp data dir; close() stops it and removes the dir. */
export async function startRelayFixture(options: RelayOptions = {}): Promise<RelayFixture> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'codebolt-relay-test-')));
  const relay = await startRelay({ port: 0, dataDir, providerPackages: [LOCAL_PROVIDER_DIR], logLevel: 'error', ...options });
  const adminToken = (await readFile(relay.adminTokenPath, 'utf8')).trim();
  const fixture: RelayFixture = {
    relay,
    dataDir,
    adminToken,
    api(path, init = {}) {
      const headers = new Headers(init.headers);
      const token = init.token === undefined ? adminToken : init.token;
      if (token !== null) headers.set('authorization', `Bearer ${token}`);
      if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(`${relay.url}${path}`, { ...init, headers });
    },
    /** Deletes every environment, stops the relay, and fails if a runtime process of this relay is still alive. */
    async close() {
      const list = async () => ((await (await fixture.api('/v1/environments')).json()) as { environments: Array<{ id: string }> }).environments;
      for (const environment of await list()) await fixture.api(`/v1/environments/${environment.id}`, { method: 'DELETE' });
      const deadline = Date.now() + 60_000;
      while ((await list()).length > 0 && Date.now() < deadline) await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
      await relay.close();
      const leaked = await runtimeProcessesUnder(dataDir);
      for (const pid of leaked) process.kill(pid, 'SIGKILL');
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
      if (leaked.length > 0) throw new Error(`runtime processes left behind: ${leaked.join(', ')}`);
    },
  };
  return fixture;
}

/** Live processes whose CODEBOLT_WORKSPACE lies under `root` (runtimes a test left behind). */
export async function runtimeProcessesUnder(root: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = (await readFile(`/proc/${entry}/environ`, 'utf8')).split('\0');
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const zombie = stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
      if (!zombie && environ.some((line) => line.startsWith(`CODEBOLT_WORKSPACE=${root}/`))) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}
