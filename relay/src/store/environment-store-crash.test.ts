import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain ESM test support shared with scripts/soak-store.mjs (no types)
import { runCrashCycles } from '../test-support/store-crash/crash-cycles.mjs';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codebolt-store-crash-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface CrashStats {
  cycles: number;
  acknowledged: number;
  unparsable: number;
  lostAcknowledged: number;
  inFlightLanded: number;
  strayTempFiles: number;
}

describe('environments.json under kill -9', () => {
  // The writer is a real process running the built store (relay/dist/store.js); each cycle kills it
  // with SIGKILL after a random number of acknowledged commits, i.e. at a random point of a commit.
  it('survives 200 kill -9 cycles during writes: 0 unparsable files, 0 lost acknowledged changes', async () => {
    const stats = (await runCrashCycles({ dir, cycles: 200 })) as CrashStats;
    expect(stats.cycles).toBe(200);
    expect(stats.unparsable).toBe(0);
    expect(stats.lostAcknowledged).toBe(0);
    // Every cycle acknowledged at least one commit, so at least 200 changes were checked.
    expect(stats.acknowledged).toBeGreaterThanOrEqual(200);
  }, 600_000);
});
