// Drives kill -9 cycles against the store writer (store-writer.mjs): start it, let it acknowledge a
// random number of commits, SIGKILL it mid-write, then check the file. Shared by the relay's store
// test (200 cycles) and `pnpm soak:store` (thousands). Throws on the first violation, with details.
import { spawn } from 'node:child_process';
import { readFile, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectedState, observedState } from './steps.mjs';

const WRITER = fileURLToPath(new URL('./store-writer.mjs', import.meta.url));
const same = (a, b) => a.ledgerSeq === b.ledgerSeq && a.others.length === b.others.length && a.others.every((id, index) => id === b.others[index]);

/**
 * Runs `cycles` kill -9 cycles on `<dir>/environments.json`. Per cycle: the writer must report
 * `ready`; after 1..`maxAcks` acknowledged commits (random) it is killed with SIGKILL; the file must
 * then parse and hold exactly the state after the last acknowledged step or after the one in flight
 * (0 unparsable files, 0 lost acknowledged changes). Returns totals.
 * `onCycle(index, stats)` is called after each checked cycle (progress output).
 */
export async function runCrashCycles({ dir, cycles, maxAcks = 12, cycleTimeoutMs = 60_000, onCycle }) {
  const path = join(dir, 'environments.json');
  let applied = -1; // the step on disk; -1: no file yet (the first writer seeds step 0)
  const stats = { cycles: 0, acknowledged: 0, unparsable: 0, lostAcknowledged: 0, inFlightLanded: 0, strayTempFiles: 0 };
  for (let cycle = 0; cycle < cycles; cycle++) {
    const from = applied;
    const killAfter = 1 + Math.floor(Math.random() * maxAcks);
    const { lastAck } = await oneCycle(path, from, killAfter, cycleTimeoutMs);
    let data;
    try {
      data = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      stats.unparsable++;
      throw new Error(`cycle ${cycle}: environments.json does not parse after kill -9 (last ack ${lastAck}): ${error.message}`);
    }
    const observed = observedState(data);
    if (same(observed, expectedState(lastAck))) applied = lastAck;
    else if (same(observed, expectedState(lastAck + 1))) {
      applied = lastAck + 1;
      stats.inFlightLanded++;
    } else {
      stats.lostAcknowledged++;
      throw new Error(`cycle ${cycle}: after ack ${lastAck} the file holds ${JSON.stringify(observed)}; expected ${JSON.stringify(expectedState(lastAck))} or the in-flight ${JSON.stringify(expectedState(lastAck + 1))}`);
    }
    // A kill between creating the temp file and renaming it leaves the temp file: garbage, never read.
    for (const name of await readdir(dir)) {
      if (name.endsWith('.tmp')) {
        stats.strayTempFiles++;
        await unlink(join(dir, name));
      }
    }
    stats.cycles++;
    stats.acknowledged += lastAck - from;
    onCycle?.(cycle, stats);
  }
  return stats;
}

/** One writer run: resolves with the last acknowledged step once the killed writer has exited. */
function oneCycle(path, from, killAfter, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, path, String(from)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lastAck = from;
    let acks = 0;
    let buffer = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer did not acknowledge ${killAfter} commits within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.startsWith('ack ')) {
          lastAck = Number(line.slice(4));
          acks++;
          if (acks >= killAfter && !killed) {
            killed = true;
            child.kill('SIGKILL');
          }
        }
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own (code ${code}, signal ${signal}); stderr: ${stderr.slice(-2000)}`));
      else resolve({ lastAck });
    });
  });
}
