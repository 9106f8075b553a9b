import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../test-support/run-bin.js';

// Runs the real relay (@codebolt/relay, built) through `codebolt serve`.

let sandbox: Sandbox;

beforeEach(async () => {
  sandbox = await createSandbox();
});

afterEach(async () => {
  await sandbox.cleanup();
});

interface ServeInfo {
  url: string;
  port: number;
  dataDir: string;
  adminTokenPath: string;
  firstBoot: boolean;
  providers: string[];
}

/** Starts `codebolt serve --port 0` and resolves once it printed where it listens. */
async function startServe(extraArgs: string[] = [], serveArgs: string[] = []) {
  const child = sandbox.start([...extraArgs, 'serve', '--port', '0', ...serveArgs]);
  let stdout = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const printed = await new Promise<string>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (/Stop with Ctrl-C\.\n$|^\{[\s\S]*\}\n$/.test(stdout)) resolve(stdout);
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code} before listening; stderr:\n${stderr}`)));
  });
  return { child, printed, exited, stderr: () => stderr };
}

describe('codebolt serve', () => {
  it('prints where it listens and what to do next, never the admin token; the CLI then finds it; SIGTERM exits 0', async () => {
    const serve = await startServe(['--data-dir', 'relay-data']);
    const dataDir = join(sandbox.cwd, 'relay-data');
    const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
    const { url } = JSON.parse(await readFile(join(dataDir, 'relay.json'), 'utf8')) as { url: string };
    expect(serve.printed).toContain(`Codebolt relay listening on ${url} (data dir relay-data, providers local, docker, worktree, ssh, e2b, ecs)`);
    expect(serve.printed).toContain(`admin token: ${join(dataDir, 'admin.token')} (the CLI uses it automatically)`);
    expect(serve.printed).toContain('Next, in another terminal: pnpm codebolt --data-dir relay-data env create demo --provider local');
    expect(serve.printed).not.toContain(token);
    expect(serve.stderr()).not.toContain(token);

    const list = await sandbox.run(['--data-dir', 'relay-data', '--json', 'env', 'list']);
    expect(list.stderr).toBe('');
    expect(JSON.parse(list.stdout)).toEqual([]);
    const providers = await sandbox.run(['--data-dir', 'relay-data', '--json', 'provider', 'list']);
    expect((JSON.parse(providers.stdout) as Array<{ name: string }>).map((provider) => provider.name)).toEqual(['local', 'docker', 'worktree', 'ssh', 'e2b', 'ecs']);

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(existsSync(join(dataDir, 'relay.json'))).toBe(false);
  });

  it('--idle-timeout and --max-lifetime set the lease of new environments', async () => {
    const serve = await startServe(['--data-dir', 'relay-data'], ['--idle-timeout', '45m', '--max-lifetime', '2h']);
    const created = await sandbox.run(['--data-dir', 'relay-data', '--json', 'env', 'create', 'leased', '--provider', 'local', '--no-wait']);
    expect(created.stderr).toBe('');
    expect(JSON.parse(created.stdout).lease).toMatchObject({ idleTimeoutMs: 2_700_000, maxLifetimeMs: 7_200_000 });
    const deleted = await sandbox.run(['--data-dir', 'relay-data', 'env', 'delete', 'leased']);
    expect(deleted.stderr).toBe('');
    expect(deleted.code).toBe(0);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });

  it('--json prints one document with the URL, and SIGINT exits 0', async () => {
    const serve = await startServe(['--json']);
    const info = JSON.parse(serve.printed) as ServeInfo;
    expect(info.url).toBe(`http://127.0.0.1:${info.port}`);
    expect(info.dataDir).toBe(join(sandbox.cwd, '.codebolt'));
    expect(info.providers).toEqual(['local', 'docker', 'worktree', 'ssh', 'e2b', 'ecs']);
    expect(info.firstBoot).toBe(true);
    serve.child.kill('SIGINT');
    expect(await serve.exited).toBe(0);
  });

  it('a second relay on the same data dir fails with data-dir-locked and exit 1', async () => {
    const first = await startServe();
    const second = await sandbox.run(['serve', '--port', '0']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^error data-dir-locked: .*\nfix: stop the other relay that uses this data dir, or pass another --data-dir\n$/);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });

  it('refuses a bad port and a non-loopback host without --allow-remote', async () => {
    const port = await sandbox.run(['serve', '--port', '70000']);
    expect(port.code).toBe(1);
    expect(port.stderr).toContain('error bad-request: --port must be a number from 0 to 65535 (got "70000")');
    const host = await sandbox.run(['serve', '--host', '0.0.0.0', '--port', '0']);
    expect(host.code).toBe(1);
    expect(host.stderr).toContain('error invalid-config: refusing to bind 0.0.0.0');
    expect(host.stderr).toContain('fix: check the serve options with `codebolt serve --help`');
  });
});
