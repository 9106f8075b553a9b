import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CodeboltClient, createClient } from '@codebolt/sdk';
import { adminToken } from './support/cli.js';
import { runtimeProcessesUnder } from './support/processes.js';
import { type RelaySession, startRelaySession } from './support/relay-session.js';

const ITERATIONS = Number(process.env.CODEBOLT_KILL_LIFECYCLE_ITERATIONS ?? 8);

let session: RelaySession;
let client: CodeboltClient;

beforeAll(async () => {
  session = await startRelaySession();
  client = createClient({ url: session.relay.url, token: await adminToken(session.dataDir) });
});

afterAll(async () => {
  await session?.dispose();
});

/** A pseudo-random delay (deterministic per iteration) to kill the relay at different points of a verb. */
const delayFor = (iteration: number) => (iteration * 37) % 250;

describe('relay kill -9 during create and delete', () => {
  it(`${ITERATIONS} times each: the records converge, with one runtime per environment and no record running without a resource`, async () => {
    const ids: string[] = [];
    for (let iteration = 0; iteration < ITERATIONS; iteration += 1) {
      const created = await client.environments.create({ name: `k${iteration}`, provider: 'local' });
      ids.push(created.id);
      await new Promise((resolve) => setTimeout(resolve, delayFor(iteration)));
      await session.restart('SIGKILL');
      // The state file parses after every kill.
      expect(JSON.parse(await readFile(join(session.dataDir, 'environments.json'), 'utf8'))).toBeTypeOf('object');
      const environment = await client.environments.waitFor(created.id, ['running'], { timeoutMs: 90_000 });
      expect(environment.resourceId).not.toBeNull();
      // Exactly one runtime per environment: a create interrupted by the kill never made a second one.
      for (const id of ids) expect(await runtimeProcessesUnder(join(session.dataDir, 'workspaces', id), true)).toHaveLength(1);
    }
    for (let iteration = 0; iteration < ITERATIONS; iteration += 1) {
      const id = ids[iteration]!;
      await client.environments.delete(id);
      await new Promise((resolve) => setTimeout(resolve, delayFor(iteration)));
      await session.restart('SIGKILL');
      await client.environments.waitForDeleted(id, { timeoutMs: 90_000 });
      expect(await runtimeProcessesUnder(join(session.dataDir, 'workspaces', id), true)).toHaveLength(0);
    }
    expect(await client.environments.list()).toEqual([]);
    expect(await runtimeProcessesUnder(session.dataDir)).toHaveLength(0);
  });
});
