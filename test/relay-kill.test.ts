import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GapEvent } from '@codebolt/protocol';
import { type CodeboltClient, type EnvironmentChannel, createClient } from '@codebolt/sdk';
import { adminToken } from './support/cli.js';
import { type RelaySession, startRelaySession } from './support/relay-session.js';

const ITERATIONS = Number(process.env.CODEBOLT_KILL_ITERATIONS ?? 20);

let session: RelaySession;
let client: CodeboltClient;
let environmentId: string;
let channel: EnvironmentChannel | undefined;

beforeAll(async () => {
  session = await startRelaySession();
  client = createClient({ url: session.relay.url, token: await adminToken(session.dataDir) });
  const created = await client.environments.create({ name: 'kill', provider: 'local' });
  environmentId = (await client.environments.waitFor(created.id, ['running'], { timeoutMs: 90_000 })).id;
});

afterAll(async () => {
  await channel?.close();
  if (environmentId) {
    await client.environments.delete(environmentId);
    await client.environments.waitForDeleted(environmentId, { timeoutMs: 60_000 });
  }
  await session?.dispose();
});

describe('relay kill -9 during traffic', () => {
  it(`${ITERATIONS} times: the state file stays valid, the app and the runtime reconnect, every exec ends once with its exit code, every loss is reported as a gap`, async () => {
    channel = await client.connect(environmentId, { reconnect: { initialDelayMs: 50, maxDelayMs: 500, timeoutMs: 120_000 } });
    const gaps: GapEvent[] = [];
    channel.on('gap', (gap) => gaps.push(gap));
    for (let iteration = 1; iteration <= ITERATIONS; iteration += 1) {
      const exec = channel.exec('sh', ['-c', 'echo ran >> runs.txt; i=0; while [ $i -lt 100 ]; do echo "line $i"; sleep 0.01; i=$((i+1)); done; exit 4']);
      const iterator = exec.output[Symbol.asyncIterator]();
      const text: string[] = [];
      const first = await iterator.next();
      if (!first.done) text.push(Buffer.from(first.value.data).toString());
      const resumed = new Promise((resolve) => channel?.on('resumed', resolve));
      await session.restart('SIGKILL');
      const records = JSON.parse(await readFile(join(session.dataDir, 'environments.json'), 'utf8')) as unknown;
      expect(records).toBeTypeOf('object');
      await resumed;
      // The process kept running in the runtime; the runtime reconnected and its exit arrives.
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) text.push(Buffer.from(next.value.data).toString());
      expect(await exec.exit).toEqual({ code: 4, signal: null });
      // Output may have holes (the gap says so), but never a repeated or reordered line.
      const numbers = text.join('').split('\n').filter((line) => line !== '').map((line) => Number(line.replace('line ', '')));
      expect(numbers.length).toBeGreaterThan(0);
      expect(numbers.every((value, index) => index === 0 || value > numbers[index - 1]!), `output lines: ${numbers.join(" ")}`).toBe(true);
      // The killed relay could not save its stream: the resume crossed an epoch, reported as a gap.
      expect(gaps).toHaveLength(iteration);
      expect(gaps.at(-1)?.reason).toBe('epoch-changed');
    }
    // Every exec ran exactly once, although the SDK asked again for each after every kill.
    const runs = await channel.fs.read('runs.txt');
    expect(runs.content).toBe('ran\n'.repeat(ITERATIONS));
    const environment = await client.environments.get(environmentId);
    expect(environment.state).toBe('running');
    expect(environment.runtime.connected).toBe(true);
  });
});
