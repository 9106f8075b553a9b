#!/usr/bin/env node
// `pnpm soak:store [--cycles N]`: the long version of the store's kill -9 test. Runs N cycles
// (default 5000) of: start a writer process on the real store, let it acknowledge a random number of
// commits, SIGKILL it mid-write, check environments.json parses and lost no acknowledged change.
// Exits non-zero on the first violation. Needs relay/dist (the script builds the relay first).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCrashCycles } from '../relay/src/test-support/store-crash/crash-cycles.mjs';

const { values } = parseArgs({ options: { cycles: { type: 'string', default: '5000' }, 'max-acks': { type: 'string', default: '40' } } });
const cycles = Number(values.cycles);
if (!Number.isSafeInteger(cycles) || cycles < 1) throw new Error('--cycles must be a positive integer');
const dir = await mkdtemp(join(tmpdir(), 'codebolt-soak-store-'));
const started = Date.now();
try {
  const stats = await runCrashCycles({
    dir,
    cycles,
    maxAcks: Number(values['max-acks']),
    onCycle: (index, progress) => {
      if ((index + 1) % 100 === 0) console.log(`${index + 1}/${cycles} cycles, ${progress.acknowledged} acknowledged commits, ${progress.inFlightLanded} in-flight commits landed, ${progress.strayTempFiles} stray temp files`);
    },
  });
  console.log(`soak:store passed: ${JSON.stringify(stats)} in ${Math.round((Date.now() - started) / 1000)} s`);
} catch (error) {
  console.error(`soak:store FAILED: ${error.message}`);
  process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
