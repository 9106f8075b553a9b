import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { confinePath, openWorkspace, resolveWorkspacePath, type Workspace } from './confine-path.js';

describe('workspace path confinement', () => {
  let root: string;
  let workspace: Workspace;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'codebolt-runtime-confine-'));
    await mkdir(join(root, 'ws', 'dir'), { recursive: true });
    await mkdir(join(root, 'elsewhere'));
    workspace = await openWorkspace(join(root, 'ws'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('takes relative and leading-slash paths from the root and refuses lexical escapes', () => {
    expect(resolveWorkspacePath(workspace, 'dir/file')).toEqual({ absolute: join(root, 'ws/dir/file'), relative: 'dir/file' });
    expect(resolveWorkspacePath(workspace, '/dir/file').relative).toBe('dir/file');
    expect(resolveWorkspacePath(workspace, '/').relative).toBe('');
    expect(resolveWorkspacePath(workspace, 'dir/../x').relative).toBe('x');
    expect(() => resolveWorkspacePath(workspace, '..')).toThrow(expect.objectContaining({ code: 'path-outside-workspace' }));
    expect(() => resolveWorkspacePath(workspace, '/../ws-sibling')).toThrow(expect.objectContaining({ code: 'path-outside-workspace' }));
    expect(() => resolveWorkspacePath(workspace, 'a\0b')).toThrow(expect.objectContaining({ code: 'bad-request' }));
  });

  it('follows symlinks, chains of them and dangling ones to where they really lead', async () => {
    await symlink(join(root, 'elsewhere'), join(root, 'ws', 'out'));
    await symlink('out', join(root, 'ws', 'chain'));
    await symlink('dir', join(root, 'ws', 'in'));
    await symlink('../elsewhere/ghost', join(root, 'ws', 'dangling'));
    await symlink('loop-b', join(root, 'ws', 'loop-a'));
    await symlink('loop-a', join(root, 'ws', 'loop-b'));
    const refused = expect.objectContaining({ code: 'path-outside-workspace' });

    await expect(confinePath(workspace, 'out/new/deeper.txt', { follow: true })).rejects.toThrow(refused);
    await expect(confinePath(workspace, 'chain', { follow: true })).rejects.toThrow(refused);
    await expect(confinePath(workspace, 'dangling', { follow: true })).rejects.toThrow(refused);
    await expect(confinePath(workspace, 'loop-a/x', { follow: true })).rejects.toThrow(expect.objectContaining({ code: 'bad-request' }));
    await expect(confinePath(workspace, 'loop-a', { follow: true })).rejects.toThrow(expect.objectContaining({ code: 'bad-request' }));
    await expect(confinePath(workspace, 'in/new.txt', { follow: true })).resolves.toMatchObject({ relative: 'in/new.txt' });
    await expect(confinePath(workspace, 'missing/a/b', { follow: true })).resolves.toMatchObject({ relative: 'missing/a/b' });
    // Removal acts on the link itself, so only its parent has to be inside.
    await expect(confinePath(workspace, 'out', { follow: false })).resolves.toMatchObject({ relative: 'out' });
    await expect(confinePath(workspace, 'out/x', { follow: false })).rejects.toThrow(refused);
  });

  it('accepts a workspace root that is itself reached through a symlink', async () => {
    await symlink(join(root, 'ws'), join(root, 'ws-link'));
    const linked = await openWorkspace(join(root, 'ws-link'));
    await expect(confinePath(linked, 'dir', { follow: true })).resolves.toMatchObject({ absolute: join(root, 'ws-link', 'dir') });
  });
});
