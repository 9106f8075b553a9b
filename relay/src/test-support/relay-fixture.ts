import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
  return {
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
    async close() {
      await relay.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
