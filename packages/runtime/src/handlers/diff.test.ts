import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RuntimeFixture } from '../testing/runtime-fixture.js';

interface DiffData {
  diff: string;
  files: Array<{ path: string; status: string }>;
}

describe('diff (through the built bin and a real socket)', () => {
  let fixture: RuntimeFixture;

  beforeEach(async () => {
    fixture = await RuntimeFixture.create();
    await mkdir(join(fixture.workspace, 'src'));
    await writeFile(join(fixture.workspace, 'keep.txt'), 'unchanged\n');
    await writeFile(join(fixture.workspace, 'src/modify.txt'), 'line 1\nold line\nline 3\n');
    await writeFile(join(fixture.workspace, 'delete.txt'), 'bye\n');
  });

  afterEach(async () => {
    await fixture.cleanup();
  });

  it('shows added, modified and deleted files as a git-style unified diff, sorted by path', async () => {
    await fixture.startConnectedRuntime();
    const relay = fixture.relay;
    expect((await relay.call('diff', 'd0', {})).data).toEqual({ diff: '', files: [] });

    await relay.call('fs.write', 'w1', { path: 'src/modify.txt', content: 'line 1\nnew line\nline 3\n' });
    await relay.call('fs.remove', 'w2', { path: 'delete.txt' });
    await relay.call('fs.write', 'w3', { path: 'added.txt', content: 'hello\n' });
    await relay.call('fs.write', 'w4', { path: 'image.bin', content: Buffer.from([137, 80, 0, 1]).toString('base64'), encoding: 'base64' });

    const result = (await relay.call('diff', 'd1', {})).data as DiffData;
    expect(result.files).toEqual([
      { path: 'added.txt', status: 'added' },
      { path: 'delete.txt', status: 'deleted' },
      { path: 'image.bin', status: 'added' },
      { path: 'src/modify.txt', status: 'modified' },
    ]);
    expect(result.diff).toBe(
      [
        'diff --git a/added.txt b/added.txt',
        'new file mode 100644',
        '--- /dev/null',
        '+++ b/added.txt',
        '@@ -0,0 +1,1 @@',
        '+hello',
        'diff --git a/delete.txt b/delete.txt',
        'deleted file mode 100644',
        '--- a/delete.txt',
        '+++ /dev/null',
        '@@ -1,1 +0,0 @@',
        '-bye',
        'diff --git a/image.bin b/image.bin',
        'new file mode 100644',
        'Binary files /dev/null and b/image.bin differ',
        'diff --git a/src/modify.txt b/src/modify.txt',
        '--- a/src/modify.txt',
        '+++ b/src/modify.txt',
        '@@ -1,3 +1,3 @@',
        ' line 1',
        '-old line',
        '+new line',
        ' line 3',
        '',
      ].join('\n'),
    );

    const narrowed = (await relay.call('diff', 'd2', { path: 'src' })).data as DiffData;
    expect(narrowed.files).toEqual([{ path: 'src/modify.txt', status: 'modified' }]);
    expect(narrowed.diff.startsWith('diff --git a/src/modify.txt b/src/modify.txt\n')).toBe(true);
    expect(((await relay.call('diff', 'd3', { path: '/delete.txt' })).data as DiffData).files).toEqual([{ path: 'delete.txt', status: 'deleted' }]);
    expect((await relay.call('diff', 'd4', { path: 'no/such/dir' })).error?.code).toBe('file-not-found');
    expect((await relay.call('diff', 'd5', { path: '../..' })).error?.code).toBe('path-outside-workspace');
  });

  it('keeps the baseline of the first start across restarts', async () => {
    const first = await fixture.startConnectedRuntime();
    await fixture.relay.call('fs.write', 'w1', { path: 'keep.txt', content: 'changed\n' });
    await first.stop();

    await fixture.startConnectedRuntime(2);
    const result = (await fixture.relay.call('diff', 'd1', {})).data as DiffData;
    expect(result.files).toEqual([{ path: 'keep.txt', status: 'modified' }]);
    expect(result.diff).toContain('-unchanged\n+changed\n');
  });

  it('redoes a half-made baseline (no completion marker)', async () => {
    await mkdir(join(fixture.stateDir, 'baseline'), { recursive: true });
    await writeFile(join(fixture.stateDir, 'baseline', 'leftover.txt'), 'from an interrupted snapshot\n');
    const runtime = await fixture.startConnectedRuntime();
    expect((await fixture.relay.call('diff', 'd1', {})).data).toEqual({ diff: '', files: [] });
    expect(runtime.stderr).toContain('made the diff baseline');
    expect((await readdir(fixture.stateDir)).sort()).toEqual(['baseline', 'baseline.json']);
  });
});
