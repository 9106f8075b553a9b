import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { RelayFixture } from './relay-fixture.js';

/** Resolves with the HTTP status of a refused upgrade, or 101 when it was accepted (then closes it). */
export function upgradeStatus(url: string, options: WebSocket.ClientOptions = {}, protocols?: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, options);
    socket.on('error', () => {});
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('open', () => {
      resolve(101);
      socket.close();
    });
    socket.on('close', () => reject(new Error('closed without an answer')));
  });
}

/** The relay's HS256 signing secret, read from the data dir (what an attacker with disk access would hold). */
export async function signingSecret(dataDir: string): Promise<Uint8Array> {
  return Buffer.from((await readFile(join(dataDir, 'signing.key'), 'utf8')).trim(), 'base64url');
}

/** Polls GET /v1/environments/:id until `state` (60 s), returning the record. */
export async function waitForState(fixture: RelayFixture, id: string, state: string): Promise<{ id: string; state: string; runtime: { generation: number } }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const record = (await (await fixture.api(`/v1/environments/${id}`)).json()) as { id: string; state: string; runtime: { generation: number } };
    if (record.state === state) return record;
    if (Date.now() > deadline) throw new Error(`environment ${id} is ${record.state}, not ${state}, after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The CODEBOLT_PROVIDER_TOKEN of the live provider process of one environment (from /proc). */
export async function providerTokenOf(environmentId: string): Promise<string> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = (await readFile(`/proc/${entry}/environ`, 'utf8')).split('\0');
      if (!environ.includes(`CODEBOLT_ENV_ID=${environmentId}`)) continue;
      const line = environ.find((item) => item.startsWith('CODEBOLT_PROVIDER_TOKEN='));
      if (line) return line.slice('CODEBOLT_PROVIDER_TOKEN='.length);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  throw new Error(`no provider process for ${environmentId}`);
}
