import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Makes a git repository at `dir` with two commits on `main` (README.md, then notes.txt) and a tag `v1` on the first. */
export function makeRepository(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' }, stdio: 'pipe' });
  git('init', '--quiet', '--initial-branch=main');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'Test');
  writeFileSync(join(dir, 'README.md'), 'first\n');
  git('add', 'README.md');
  git('commit', '--quiet', '-m', 'first');
  git('tag', 'v1');
  writeFileSync(join(dir, 'notes.txt'), 'second\n');
  git('add', 'notes.txt');
  git('commit', '--quiet', '-m', 'second');
  return dir;
}

/** True when `refs/heads/<branch>` exists in the repository at `dir`. */
export function branchExists(dir: string, branch: string): boolean {
  try {
    execFileSync('git', ['-C', dir, 'show-ref', '--verify', '--quiet', `refs/heads/${branch}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
