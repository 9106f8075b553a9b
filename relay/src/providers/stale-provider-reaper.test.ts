import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { isAlive } from '../test-support/environment-events.js';
import { PROVIDER_PID_FILE, reapStaleProviders } from './stale-provider-reaper.js';

const children: ChildProcess[] = [];
let dataDir: string | undefined;
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

/** A long-lived process that ignores stdin (like a provider that never noticed its relay died). */
function stubborn(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
  children.push(child);
  return child;
}

describe('reapStaleProviders', () => {
  it("kills a previous relay's provider for this data dir and leaves a process whose identity does not match (a reused pid)", async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'codebolt-reaper-'));
    const stale = stubborn({ CODEBOLT_ENV_ID: 'env_a', CODEBOLT_HOME: dataDir });
    const stranger = stubborn({ CODEBOLT_ENV_ID: 'env_other', CODEBOLT_HOME: dataDir });
    for (const [id, child] of [['env_a', stale], ['env_b', stranger]] as const) {
      await mkdir(join(dataDir, 'logs', id), { recursive: true });
      await writeFile(join(dataDir, 'logs', id, PROVIDER_PID_FILE), `${child.pid}\n`);
    }
    const exited = once(stale, 'exit');
    const killed = await reapStaleProviders(dataDir, createLogger('error'));
    expect(killed).toEqual([stale.pid]);
    await exited;
    expect(stale.signalCode).toBe('SIGKILL');
    expect(await isAlive(stranger.pid!)).toBe(true);
    expect(existsSync(join(dataDir, 'logs', 'env_a', PROVIDER_PID_FILE))).toBe(false);
    expect(existsSync(join(dataDir, 'logs', 'env_b', PROVIDER_PID_FILE))).toBe(false);
  });
});
