import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CodeboltClient, createClient } from '@codebolt/sdk';
import { adminToken } from './support/cli.js';
import { type RelaySession, startRelaySession } from './support/relay-session.js';

let session: RelaySession;
let client: CodeboltClient;
let repo: string;

beforeEach(async () => {
  session = await startRelaySession();
  client = createClient({ url: session.relay.url, token: await adminToken(session.dataDir) });
  repo = join(session.root, 'repository');
  mkdirSync(repo);
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe' });
  git('init', '--quiet', '--initial-branch=main');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'Test');
  writeFileSync(join(repo, 'README.md'), 'hello\n');
  git('add', 'README.md');
  git('commit', '--quiet', '-m', 'first');
});

afterEach(async () => {
  await session.dispose();
});

describe('files of a stopped worktree environment, served by its provider through the relay', () => {
  it('reads, lists and diffs the worktree while no runtime runs', async () => {
    const created = await client.environments.create({ name: 'wt', provider: 'worktree', config: { repo } });
    const running = await client.environments.waitFor(created.id, ['running'], { timeoutMs: 90_000 });
    const live = await client.connect(running.id);
    await live.fs.write('README.md', 'hello, edited\n');
    live.close();
    await client.environments.stop(running.id);
    await client.environments.waitFor(running.id, ['stopped'], { timeoutMs: 60_000 });

    const channel = await client.connect(running.id);
    try {
      expect((await channel.fs.read('README.md')).content).toBe('hello, edited\n');
      expect((await channel.fs.list()).map((entry) => entry.name)).toContain('README.md');
      const diff = await channel.diff();
      expect(diff.files).toEqual([{ path: 'README.md', status: 'modified' }]);
      expect(diff.diff).toContain('+hello, edited');
      await expect(channel.fs.read('nope.txt')).rejects.toMatchObject({ code: 'file-not-found' });
    } finally {
      channel.close();
    }
    expect((await client.environments.get(running.id)).state).toBe('stopped');
  });
});
