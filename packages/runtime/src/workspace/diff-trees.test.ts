import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureBaseline } from './baseline.js';
import { diffTrees } from './diff-trees.js';

describe('diffTrees against a baseline made by ensureBaseline', () => {
  let root: string;
  let workspace: string;
  let stateDir: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'codebolt-runtime-diff-'));
    workspace = join(root, 'workspace');
    stateDir = join(root, 'state');
    await mkdir(join(workspace, '.git'), { recursive: true });
    await writeFile(join(workspace, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await writeFile(join(workspace, 'run.sh'), 'echo hi\n');
    await writeFile(join(workspace, 'data.bin'), Buffer.from([1, 0, 2]));
    await writeFile(join(workspace, 'no-newline.txt'), 'a\nb');
    await symlink('run.sh', join(workspace, 'link'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reports binary changes, mode changes, symlink retargets and missing final newlines; skips .git', async () => {
    const { directory, created } = await ensureBaseline(workspace, stateDir);
    expect(created).toBe(true);
    expect((await ensureBaseline(workspace, stateDir)).created).toBe(false);
    expect(await diffTrees(directory, workspace)).toEqual({ diff: '', files: [] });

    await writeFile(join(workspace, 'data.bin'), Buffer.from([1, 0, 3]));
    await chmod(join(workspace, 'run.sh'), 0o755);
    await rm(join(workspace, 'link'));
    await symlink('no-newline.txt', join(workspace, 'link'));
    await writeFile(join(workspace, 'no-newline.txt'), 'a\nc');
    await writeFile(join(workspace, '.git', 'HEAD'), 'ref: refs/heads/other\n');

    const result = await diffTrees(directory, workspace);
    expect(result.files).toEqual([
      { path: 'data.bin', status: 'modified' },
      { path: 'link', status: 'modified' },
      { path: 'no-newline.txt', status: 'modified' },
      { path: 'run.sh', status: 'modified' },
    ]);
    expect(result.diff).toContain('diff --git a/data.bin b/data.bin\nBinary files a/data.bin and b/data.bin differ\n');
    expect(result.diff).toContain('diff --git a/link b/link\n--- a/link\n+++ b/link\n@@ -1,1 +1,1 @@\n-run.sh\n\\ No newline at end of file\n+no-newline.txt\n');
    expect(result.diff).toContain('-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n');
    expect(result.diff).toContain('diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n');
    expect(result.diff).not.toContain('.git');
  });
});
