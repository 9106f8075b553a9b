import { readFile, readdir, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RuntimeFixture } from '../testing/runtime-fixture.js';

describe('fs.* requests (through the built bin and a real socket)', () => {
  let fixture: RuntimeFixture;

  beforeEach(async () => {
    fixture = await RuntimeFixture.create();
    await fixture.startConnectedRuntime();
  });

  afterEach(async () => {
    await fixture.cleanup();
  });

  it('writes, reads, lists and removes (text and base64)', async () => {
    const relay = fixture.relay;
    expect((await relay.call('fs.write', 'w1', { path: 'notes/today.txt', content: 'hello\n' })).data).toEqual({ size: 6 });
    expect(await readFile(join(fixture.workspace, 'notes/today.txt'), 'utf8')).toBe('hello\n');

    const bytes = Buffer.from([0, 1, 2, 255]);
    expect((await relay.call('fs.write', 'w2', { path: '/notes/blob.bin', content: bytes.toString('base64'), encoding: 'base64' })).data).toEqual({
      size: 4,
    });

    expect((await relay.call('fs.read', 'r1', { path: 'notes/today.txt' })).data).toEqual({ content: 'hello\n', encoding: 'utf8', size: 6 });
    const blob = await relay.call('fs.read', 'r2', { path: 'notes/blob.bin', encoding: 'base64' });
    expect(Buffer.from((blob.data as { content: string }).content, 'base64')).toEqual(bytes);

    expect((await relay.call('fs.list', 'l1', { path: 'notes' })).data).toEqual({
      entries: [
        { name: 'blob.bin', type: 'file', size: 4 },
        { name: 'today.txt', type: 'file', size: 6 },
      ],
    });
    expect((await relay.call('fs.list', 'l2', {})).data).toEqual({ entries: [{ name: 'notes', type: 'directory', size: expect.any(Number) }] });

    expect((await relay.call('fs.remove', 'd1', { path: 'notes/today.txt' })).data).toEqual({});
    expect((await relay.call('fs.read', 'r3', { path: 'notes/today.txt' })).error?.code).toBe('file-not-found');
    expect((await relay.call('fs.remove', 'd2', { path: 'notes' })).error?.code).toBe('conflict');
    expect((await relay.call('fs.remove', 'd3', { path: 'notes', recursive: true })).data).toEqual({});
    expect(await readdir(fixture.workspace)).toEqual([]);
    expect((await relay.call('fs.remove', 'd4', { path: 'notes' })).error?.code).toBe('file-not-found');
    expect((await relay.call('fs.remove', 'd5', { path: '/' })).error?.code).toBe('bad-request');
  });

  it('answers file-not-found, bad-request for a directory read, and bad-request for invalid data', async () => {
    const relay = fixture.relay;
    const missing = await relay.call('fs.read', 'm1', { path: 'nope.txt' });
    expect(missing).toMatchObject({ type: 'fs.read', re: 'm1', error: { code: 'file-not-found', message: "'nope.txt' does not exist in the workspace" } });
    expect((await relay.call('fs.read', 'm2', { path: '.' })).error?.code).toBe('bad-request');
    expect((await relay.call('fs.list', 'm3', { path: 'nope' })).error?.code).toBe('file-not-found');
    const invalid = await relay.call('fs.write', 'm4', { path: 'x.txt' });
    expect(invalid.error).toEqual({ code: 'bad-request', message: expect.stringMatching(/^invalid fs.write data: content/) });
    const noParents = await relay.call('fs.write', 'm5', { path: 'a/b/c.txt', content: 'x', createParents: false });
    expect(noParents.error?.code).toBe('file-not-found');
    // A sparse file just over the 32 MiB read limit.
    await writeFile(join(fixture.workspace, 'huge.bin'), '');
    await truncate(join(fixture.workspace, 'huge.bin'), 32 * 1024 * 1024 + 1);
    const huge = await relay.call('fs.read', 'm6', { path: 'huge.bin' });
    expect(huge.error).toEqual({ code: 'payload-too-large', message: expect.stringContaining('at most 33554432 bytes') });
  });

  it('refuses paths that climb out of the workspace with ..', async () => {
    const relay = fixture.relay;
    const read = await relay.call('fs.read', 'o1', { path: '../../etc/passwd' });
    expect(read.error).toEqual({ code: 'path-outside-workspace', message: expect.stringContaining("'../../etc/passwd' resolves outside the workspace") });
    expect((await relay.call('fs.write', 'o2', { path: '../escape.txt', content: 'x' })).error?.code).toBe('path-outside-workspace');
    expect((await relay.call('fs.list', 'o3', { path: '..' })).error?.code).toBe('path-outside-workspace');
    expect((await relay.call('fs.remove', 'o4', { path: 'a/../../outside', recursive: true })).error?.code).toBe('path-outside-workspace');
    expect(await readdir(fixture.root)).toEqual(expect.arrayContaining(['outside', 'workspace']));
    // `..` that stays inside is fine.
    await relay.call('fs.write', 'o5', { path: 'a/b.txt', content: 'inside' });
    expect((await relay.call('fs.read', 'o6', { path: 'a/../a/b.txt' })).data).toMatchObject({ content: 'inside' });
  });

  it('refuses reads and writes through a symlink that points outside the workspace', async () => {
    const relay = fixture.relay;
    await writeFile(join(fixture.outside, 'secret.txt'), 'top secret');
    await symlink(fixture.outside, join(fixture.workspace, 'linked-dir'));
    await symlink(join(fixture.outside, 'secret.txt'), join(fixture.workspace, 'linked-file'));
    await symlink(join(fixture.outside, 'not-yet.txt'), join(fixture.workspace, 'dangling'));

    expect((await relay.call('fs.read', 'y1', { path: 'linked-dir/secret.txt' })).error?.code).toBe('path-outside-workspace');
    expect((await relay.call('fs.read', 'y2', { path: 'linked-file' })).error?.code).toBe('path-outside-workspace');
    expect((await relay.call('fs.list', 'y3', { path: 'linked-dir' })).error?.code).toBe('path-outside-workspace');
    expect((await relay.call('fs.write', 'y4', { path: 'linked-dir/new.txt', content: 'x' })).error?.code).toBe('path-outside-workspace');
    expect((await relay.call('fs.write', 'y5', { path: 'linked-dir/deeper/new.txt', content: 'x' })).error?.code).toBe('path-outside-workspace');
    expect((await relay.call('fs.write', 'y6', { path: 'linked-file', content: 'overwritten' })).error?.code).toBe('path-outside-workspace');
    expect((await relay.call('fs.write', 'y7', { path: 'dangling', content: 'created outside?' })).error?.code).toBe('path-outside-workspace');
    expect((await relay.call('exec', 'y8', { command: 'pwd', cwd: 'linked-dir' })).error?.code).toBe('path-outside-workspace');

    expect(await readdir(fixture.outside)).toEqual(['secret.txt']);
    expect(await readFile(join(fixture.outside, 'secret.txt'), 'utf8')).toBe('top secret');

    // The listing shows the links as links, and removing one removes the link, not its target.
    const listing = (await relay.call('fs.list', 'y9', {})).data as { entries: Array<{ name: string; type: string }> };
    expect(listing.entries.map((entry) => [entry.name, entry.type])).toEqual([
      ['dangling', 'symlink'],
      ['linked-dir', 'symlink'],
      ['linked-file', 'symlink'],
    ]);
    expect((await relay.call('fs.remove', 'y10', { path: 'linked-dir', recursive: true })).data).toEqual({});
    expect(await readdir(fixture.outside)).toEqual(['secret.txt']);
  });

  it('follows symlinks that stay inside the workspace', async () => {
    const relay = fixture.relay;
    await relay.call('fs.write', 'i1', { path: 'real/file.txt', content: 'via link' });
    await symlink('real', join(fixture.workspace, 'alias'));
    expect((await relay.call('fs.read', 'i2', { path: 'alias/file.txt' })).data).toMatchObject({ content: 'via link' });
    expect((await relay.call('fs.write', 'i3', { path: 'alias/other.txt', content: 'through' })).data).toEqual({ size: 7 });
    expect(await readFile(join(fixture.workspace, 'real/other.txt'), 'utf8')).toBe('through');
  });
});
