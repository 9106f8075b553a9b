import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { StreamStore } from './environment-stream.js';
import { restoreStreams, saveStreams } from './stream-persistence.js';

const limits = { window: { maxFrames: 100, maxBytes: 1_000_000 }, unackedMaxFrames: 100, unackedMaxBytes: 1_000_000 };
let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'codebolt-streams-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('stream persistence', () => {
  it('restores what was saved (epoch, seqs, window, unacked frames, sessions) and deletes the file once read', async () => {
    const saved = new StreamStore(limits);
    const stream = saved.get('env_1');
    stream.toAppsSeq = 2;
    stream.window.append({ seq: 1, target: undefined, text: '{"a":1}', bytes: 7 });
    stream.window.append({ seq: 2, target: 'session-1', text: '{"a":2}', bytes: 7 });
    stream.retainForRuntime((seq) => `{"seq":${seq}}`);
    stream.runtimeStream = 'stream-a';
    stream.runtimeSeq = 41;
    stream.sessions.set('session-1', { owner: 'default/admin', lastAppSeq: 9, expiryTimer: undefined });
    await saveStreams(dataDir, saved);

    const restored = new StreamStore(limits);
    await restoreStreams(dataDir, restored, createLogger('error'));
    const copy = restored.get('env_1');
    expect(copy.epoch).toBe(stream.epoch);
    expect(copy.toAppsSeq).toBe(2);
    expect(copy.window.all()).toEqual(stream.window.all());
    expect(copy.unacked).toEqual([{ seq: 1, text: '{"seq":1}' }]);
    expect(copy.toRuntimeSeq).toBe(1);
    expect([copy.runtimeStream, copy.runtimeSeq]).toEqual(['stream-a', 41]);
    expect(copy.sessions.get('session-1')).toMatchObject({ owner: 'default/admin', lastAppSeq: 9 });
    // Read once: a relay killed later must not come back with this (stale) window under the same epoch.
    expect(await readdir(join(dataDir, 'streams'))).toEqual([]);
    const again = new StreamStore(limits);
    await restoreStreams(dataDir, again, createLogger('error'));
    expect(again.get('env_1').epoch).not.toBe(stream.epoch);
  });

  it('an unreadable file is moved aside and the stream starts with a new epoch', async () => {
    await saveStreams(dataDir, new StreamStore(limits));
    await writeFile(join(dataDir, 'streams', 'env_2.json'), '{"version":1,"epoch":');
    const store = new StreamStore(limits);
    const lines: string[] = [];
    await restoreStreams(dataDir, store, createLogger('warn', (line) => lines.push(line)));
    expect(await readdir(join(dataDir, 'streams'))).toEqual(['env_2.json.corrupt']);
    expect(store.get('env_2').toAppsSeq).toBe(0);
    expect(lines.join('')).toContain('starts fresh');
  });
});
