import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FileSystemCall, errnoError, setFaultInjector } from '../data-dir/file-system.js';
import { sampleRecord } from '../test-support/sample-record.js';
import { EnvironmentStore } from './environment-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codebolt-store-faults-'));
});
afterEach(async () => {
  setFaultInjector(undefined);
  await rm(dir, { recursive: true, force: true });
});

/** A store holding one record with config.n = 1, committed to disk. */
async function seededStore(path: string): Promise<EnvironmentStore> {
  const store = new EnvironmentStore(path);
  await store.load();
  await store.insert(sampleRecord('env-a', { config: { n: 1 } }));
  return store;
}

/** The calls one commit makes, in order, observed through the seam with nothing failing. */
async function callsOfOneCommit(): Promise<Array<{ call: FileSystemCall; path: string }>> {
  const store = await seededStore(join(dir, 'probe.json'));
  const calls: Array<{ call: FileSystemCall; path: string }> = [];
  setFaultInjector((call, path) => {
    calls.push({ call, path });
    return undefined;
  });
  await store.update('env-a', (record) => {
    record.config.n = 2;
  });
  setFaultInjector(undefined);
  await rm(join(dir, 'probe.json'));
  return calls;
}

describe('environment store under filesystem faults', () => {
  it('a failure at every filesystem call of a commit, ENOSPC or EIO, leaves exactly the old or the new file, reports storage-failed, and the store keeps working', async () => {
    const calls = await callsOfOneCommit();
    // open temp, write, fsync, close, rename, open dir, fsync dir, close dir
    expect(calls.map((entry) => entry.call)).toEqual(['open', 'write', 'sync', 'close', 'rename', 'open', 'sync', 'close']);
    const renameAt = calls.findIndex((entry) => entry.call === 'rename');

    let cases = 0;
    for (const errno of ['ENOSPC', 'EIO']) {
      for (let failAt = 0; failAt < calls.length; failAt++) {
        const path = join(dir, `case-${errno}-${failAt}.json`);
        const store = await seededStore(path);
        const oldText = await readFile(path, 'utf8');
        let seen = 0;
        setFaultInjector((call, target) => (seen++ === failAt ? errnoError(errno, call, target) : undefined));
        const failure = await store
          .update('env-a', (record) => {
            record.config.n = 2;
          })
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        setFaultInjector(undefined);
        const label = `${errno} at call ${failAt} (${calls[failAt]!.call})`;
        expect(failure, label).toMatchObject({ code: 'storage-failed', message: expect.stringContaining(`(${errno})`) });
        expect((failure as Error).message, label).toContain(path);

        const text = await readFile(path, 'utf8');
        const onDisk = JSON.parse(text) as { environments: Array<{ config: { n: number } }> };
        if (failAt <= renameAt) expect(text, `${label}: the old file, byte for byte`).toBe(oldText);
        else expect(onDisk.environments[0]!.config.n, `${label}: the new file (renamed before the failure)`).toBe(2);
        expect(onDisk.environments, label).toHaveLength(1);
        // No temp file is left behind.
        expect((await readdir(dir)).filter((name) => name.includes(`case-${errno}-${failAt}`)), label).toEqual([`case-${errno}-${failAt}.json`]);
        // Memory holds the old state (the change was reported as not made) ...
        expect(store.get('env-a')!.config.n, label).toBe(1);
        // ... and the store keeps working: the next commit lands and a fresh load sees it.
        await store.update('env-a', (record) => {
          record.config.n = 3;
        });
        const reloaded = new EnvironmentStore(path);
        await reloaded.load();
        expect(reloaded.get('env-a')!.config.n, label).toBe(3);
        cases++;
      }
    }
    expect(cases).toBe(16);
  });

  it('load removes temp files an interrupted commit left beside the store, and nothing else', async () => {
    const path = join(dir, 'environments.json');
    await seededStore(path);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, '.environments.json.12345.abcdef012345.tmp'), '{"half":');
    await writeFile(join(dir, '.providers.json.12345.abcdef012345.tmp'), 'not ours');
    const store = new EnvironmentStore(path);
    await store.load();
    expect((await readdir(dir)).sort()).toEqual(['.providers.json.12345.abcdef012345.tmp', 'environments.json']);
    expect(store.get('env-a')!.config.n).toBe(1);
  });

  it('a failing read on load is reported, not mistaken for an empty store', async () => {
    const path = join(dir, 'environments.json');
    await seededStore(path);
    setFaultInjector((call, target) => (call === 'read' ? errnoError('EIO', call, target) : undefined));
    const store = new EnvironmentStore(path);
    await expect(store.load()).rejects.toMatchObject({ code: 'EIO' });
  });

  it('pauseWrites holds commits back until the task ends, then runs them in order', async () => {
    const path = join(dir, 'environments.json');
    const store = await seededStore(path);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let taskStarted!: () => void;
    const started = new Promise<void>((resolve) => (taskStarted = resolve));
    const paused = store.pauseWrites(async () => {
      taskStarted();
      await held;
      return readFile(path, 'utf8');
    });
    await started;
    const before = await readFile(path, 'utf8');
    const write = store.update('env-a', (record) => {
      record.config.n = 5;
    });
    let committed = false;
    void write.then(() => (committed = true));
    // The paused task reads the file while a write is queued; the write has not reached the disk.
    await new Promise((resolve) => setImmediate(resolve));
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(committed).toBe(false);
    release();
    expect(await paused).toBe(before);
    await write;
    expect((JSON.parse(await readFile(path, 'utf8')) as { environments: Array<{ config: { n: number } }> }).environments[0]!.config.n).toBe(5);
  });
});
