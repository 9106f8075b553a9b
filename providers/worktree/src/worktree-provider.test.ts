import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StartContext } from '@codebolt/provider';
import { KitRelay } from '@codebolt/provider/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorktreeProvider } from './create-worktree-provider.js';
import type { WorktreeConfig } from './worktree-config.js';
import type { WorktreeProvider } from './worktree-provider.js';
import { branchExists, makeRepository } from './test-support/repository.js';

const signal = new AbortController().signal;
let home: string;
let repo: string;
let relay: KitRelay;
let provider: WorktreeProvider;

beforeEach(async () => {
  home = await realpath(await mkdtemp(join(tmpdir(), 'codebolt-worktree-')));
  repo = makeRepository(join(home, 'repository'));
  relay = await KitRelay.start();
  provider = createWorktreeProvider({ home, stopTimeoutMs: 3_000 });
});

afterEach(async () => {
  for (const { resourceId, environmentId } of await provider.list({ config: { repo }, signal })) {
    await provider.destroy(resourceId, { environment: environment(environmentId ?? resourceId), config: { repo }, signal });
  }
  await relay.close();
  await rm(home, { recursive: true, force: true });
});

function environment(id: string) {
  return { id, name: id, tenant: 'acme' };
}

function startContext(environmentId: string, config: Partial<WorktreeConfig> = {}): StartContext<WorktreeConfig> & { token: string } {
  const token = relay.issueRuntimeToken(environmentId);
  return { environment: environment(environmentId), config: { repo, ...config }, creationToken: `ct-${environmentId}`, runtime: { url: relay.runtimeUrl, token }, signal, token };
}

function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
}

async function refusal(config: Partial<WorktreeConfig>, environmentId = 'env-bad'): Promise<Error & { code?: string }> {
  return provider.create(startContext(environmentId, config)).then(
    () => {
      throw new Error('create succeeded');
    },
    (error: Error & { code?: string }) => error,
  );
}

describe('WorktreeProvider', () => {
  it('adds a worktree at the ref on its own branch and runs the runtime in it', async () => {
    const context = startContext('env-1', { ref: 'v1' });
    const { resourceId } = await provider.create(context);
    const runtime = await relay.runtime(context.token, 'the runtime of env-1');
    const workspace = join(home, 'workspaces', 'env-1');

    expect(resourceId).toBe('worktree-env-1');
    expect(gitIn(workspace, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('codebolt/env-1');
    expect(gitIn(workspace, 'rev-parse', 'HEAD')).toBe(gitIn(repo, 'rev-parse', 'v1'));
    expect(gitIn(repo, 'worktree', 'list', '--porcelain')).toContain(`worktree ${workspace}`);
    expect((await runtime.exec('sh', ['-c', 'pwd; ls'])).stdout).toBe(`${workspace}\nREADME.md\n`);
  });

  it('destroy removes the worktree and its branch, unless keepBranch', async () => {
    const dropped = await provider.create(startContext('env-drop'));
    const kept = await provider.create(startContext('env-keep', { branch: 'feature/kept', keepBranch: true }));

    await provider.destroy(dropped.resourceId, { environment: environment('env-drop'), config: { repo }, signal });
    await provider.destroy(kept.resourceId, { environment: environment('env-keep'), config: { repo }, signal });

    expect(existsSync(join(home, 'workspaces', 'env-drop'))).toBe(false);
    expect(existsSync(join(home, 'workspaces', 'env-keep'))).toBe(false);
    expect(branchExists(repo, 'codebolt/env-drop')).toBe(false);
    expect(branchExists(repo, 'feature/kept')).toBe(true);
    expect(gitIn(repo, 'worktree', 'list', '--porcelain').split('\n').filter((line) => line.startsWith('worktree '))).toEqual([`worktree ${repo}`]);
  });

  it('refuses refs and branches that would inject options or shell, without running anything', async () => {
    const marker = join(home, 'pwned');
    const optionRef = await refusal({ ref: '--output=/tmp/x' });
    const shellRef = await refusal({ ref: `$(touch${'${IFS}'}${marker})` });
    const optionBranch = await refusal({ branch: '-D' });
    const badBranch = await refusal({ branch: 'a..b' });

    expect(optionRef).toMatchObject({ code: 'invalid-config' });
    expect(optionRef.message).toContain('ref:');
    expect(shellRef).toMatchObject({ code: 'invalid-config' });
    expect(shellRef.message).toContain('ref:');
    expect(optionBranch).toMatchObject({ code: 'invalid-config' });
    expect(optionBranch.message).toContain('branch:');
    expect(badBranch).toMatchObject({ code: 'invalid-config' });
    expect(existsSync(marker)).toBe(false);
    expect(await provider.list({ config: { repo }, signal })).toEqual([]);
  });

  it('refuses a repo that is not a git repository, and a branch that already exists', async () => {
    const notRepo = await refusal({ repo: home });
    execFileSync('git', ['-C', repo, 'branch', 'taken']);
    const taken = await refusal({ branch: 'taken' });

    expect(notRepo).toMatchObject({ code: 'invalid-config' });
    expect(notRepo.message).toContain(`repo: ${home} is not a git repository`);
    expect(taken).toMatchObject({ code: 'conflict' });
    expect(taken.message).toContain('branch taken already exists');
    expect(branchExists(repo, 'taken')).toBe(true);
    expect(readFileSync(join(repo, 'README.md'), 'utf8')).toBe('first\n');
  });
});
