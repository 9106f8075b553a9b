import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CodeboltClient, type EnvironmentChannel, createClient } from '@codebolt/sdk';
import { adminToken } from './support/cli.js';
import { type RelaySession, startRelaySession } from './support/relay-session.js';

let session: RelaySession;
let client: CodeboltClient;
let environmentId: string;
let channel: EnvironmentChannel;

beforeAll(async () => {
  session = await startRelaySession();
  client = createClient({ url: session.relay.url, token: await adminToken(session.dataDir) });
  const created = await client.environments.create({ name: 'channel', provider: 'local' });
  environmentId = (await client.environments.waitFor(created.id, ['running'], { timeoutMs: 90_000 })).id;
  channel = await client.connect(environmentId);
});

afterAll(async () => {
  channel?.close();
  if (environmentId) {
    await client.environments.delete(environmentId);
    await client.environments.waitForDeleted(environmentId, { timeoutMs: 60_000 });
  }
  await session?.dispose();
});

async function collect(handle: ReturnType<EnvironmentChannel['exec']>): Promise<{ stdout: string; stderr: string; order: string[] }> {
  const decoder = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  let stdout = '';
  let stderr = '';
  const order: string[] = [];
  for await (const chunk of handle.output) {
    const text = decoder[chunk.stream].decode(chunk.data, { stream: true });
    if (chunk.stream === 'stdout') stdout += text;
    else stderr += text;
    order.push(chunk.stream);
  }
  return { stdout, stderr, order };
}

describe('app channel to a local runtime through the relay', () => {
  it('streams exec output in order and ends with the exit code', async () => {
    const handle = channel.exec('sh', ['-c', 'for i in $(seq 1 2000); do echo line-$i; done; echo done >&2; exit 5']);
    const { stdout, stderr } = await collect(handle);
    const exit = await handle.exit;
    expect(stdout.trimEnd().split('\n')).toEqual(Array.from({ length: 2000 }, (_, index) => `line-${index + 1}`));
    expect(stderr).toBe('done\n');
    expect(exit).toMatchObject({ code: 5, signal: null });
  });

  it('ends exec of a missing binary with a process-exit error instead of hanging', async () => {
    const handle = channel.exec('definitely-not-a-program-xyz');
    await collect(handle);
    const exit = await handle.exit;
    expect(exit.code).toBe(127);
    expect(exit.error?.code).toBe('command-not-found');
  });

  it('round-trips files and lists and removes them', async () => {
    await channel.fs.write('notes/hello.txt', 'hello, world\n');
    expect((await channel.fs.read('notes/hello.txt')).content).toBe('hello, world\n');
    const bytes = new Uint8Array([0, 1, 2, 255]);
    await channel.fs.write('blob.bin', bytes);
    const blob = await channel.fs.read('blob.bin', { encoding: 'base64' });
    expect(Buffer.from(blob.content, 'base64')).toEqual(Buffer.from(bytes));
    const entries = await channel.fs.list('notes');
    expect(entries.map((entry) => [entry.name, entry.type])).toEqual([['hello.txt', 'file']]);
    await channel.fs.remove('blob.bin');
    await expect(channel.fs.read('blob.bin')).rejects.toMatchObject({ code: 'file-not-found' });
  });

  it('refuses paths that escape the workspace', async () => {
    await expect(channel.fs.read('../../etc/passwd')).rejects.toMatchObject({ code: 'path-outside-workspace' });
    const link = channel.exec('ln', ['-s', '/etc', 'etc-link']);
    expect((await link.exit).code).toBe(0);
    await expect(channel.fs.read('etc-link/passwd')).rejects.toMatchObject({ code: 'path-outside-workspace' });
    await expect(channel.fs.write('etc-link/evil', 'x')).rejects.toMatchObject({ code: 'path-outside-workspace' });
    await channel.fs.remove('etc-link');
  });

  it('shows a unified diff of the workspace against its state at creation', async () => {
    await channel.fs.write('diffed.txt', 'one\ntwo\n');
    const result = await channel.diff();
    expect(result.files).toContainEqual({ path: 'diffed.txt', status: 'added' });
    expect(result.diff).toContain('+++ b/diffed.txt');
    expect(result.diff).toContain('+two');
  });

  it('gives each of several apps on one environment only the answers to its own requests', async () => {
    const other = await client.connect(environmentId);
    try {
      const [mine, theirs] = await Promise.all([collect(channel.exec('echo', ['from-first'])), collect(other.exec('echo', ['from-second']))]);
      expect(mine.stdout).toBe('from-first\n');
      expect(theirs.stdout).toBe('from-second\n');
    } finally {
      other.close();
    }
  });
});
