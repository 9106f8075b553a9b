import { stat, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../test-support/run-bin.js';
import { startTestRelay, type TestRelay } from '../test-support/test-relay.js';

let sandbox: Sandbox;
let relayA: TestRelay;
let relayB: TestRelay;

beforeEach(async () => {
  sandbox = await createSandbox();
  relayA = await startTestRelay({ token: 'token-a' });
  relayB = await startTestRelay({ token: 'token-b' });
  for (const relay of [relayA, relayB]) relay.route('GET', '/v1/environments', () => ({ status: 200, body: { environments: [] } }));
});

afterEach(async () => {
  await relayA.close();
  await relayB.close();
  await sandbox.cleanup();
});

async function writeUserConfig(config: object): Promise<string> {
  const path = join(sandbox.home, '.config', 'codebolt', 'config.json');
  await mkdir(join(sandbox.home, '.config', 'codebolt'), { recursive: true });
  await writeFile(path, JSON.stringify(config));
  return path;
}

async function writeDataDir(dir: string, relay: TestRelay, token: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'relay.json'), JSON.stringify({ url: relay.url, pid: 1, version: '0.1.0' }));
  await writeFile(join(dir, 'admin.token'), `${token}\n`);
}

/** Which relay got `GET /v1/environments` and with which bearer token. */
function hits(): string[] {
  return [
    ...relayA.requests.map((request) => `A ${request.headers.authorization}`),
    ...relayB.requests.map((request) => `B ${request.headers.authorization}`),
  ];
}

describe('where the CLI finds server and token', () => {
  it('flags beat env vars, the config file and the data dir', async () => {
    await writeUserConfig({ server: relayB.url, token: 'token-b' });
    await writeDataDir(join(sandbox.cwd, '.codebolt'), relayB, 'token-b');
    const result = await sandbox.run(['--server', relayA.url, '--token', 'token-a', 'env', 'list'], {
      env: { CODEBOLT_SERVER: relayB.url, CODEBOLT_TOKEN: 'token-b' },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(hits()).toEqual(['A Bearer token-a']);
  });

  it('env vars beat the config file and the data dir', async () => {
    await writeUserConfig({ server: relayB.url, token: 'token-b' });
    await writeDataDir(join(sandbox.cwd, '.codebolt'), relayB, 'token-b');
    const result = await sandbox.run(['env', 'list'], { env: { CODEBOLT_SERVER: relayA.url, CODEBOLT_TOKEN: 'token-a' } });
    expect(result.code).toBe(0);
    expect(hits()).toEqual(['A Bearer token-a']);
  });

  it('the config file beats the data dir, and XDG_CONFIG_HOME moves it', async () => {
    await writeDataDir(join(sandbox.cwd, '.codebolt'), relayB, 'token-b');
    const xdg = join(sandbox.home, 'xdg');
    await mkdir(join(xdg, 'codebolt'), { recursive: true });
    await writeFile(join(xdg, 'codebolt', 'config.json'), JSON.stringify({ server: relayA.url, token: 'token-a' }));
    const result = await sandbox.run(['env', 'list'], { env: { XDG_CONFIG_HOME: xdg } });
    expect(result.code).toBe(0);
    expect(hits()).toEqual(['A Bearer token-a']);
  });

  it('falls back to relay.json and admin.token in ./.codebolt', async () => {
    await writeDataDir(join(sandbox.cwd, '.codebolt'), relayA, 'token-a');
    const result = await sandbox.run(['env', 'list']);
    expect(result.code).toBe(0);
    expect(hits()).toEqual(['A Bearer token-a']);
  });

  it('--data-dir beats CODEBOLT_HOME, which beats ./.codebolt', async () => {
    await writeDataDir(join(sandbox.cwd, '.codebolt'), relayB, 'token-b');
    await writeDataDir(join(sandbox.cwd, 'home-dir'), relayB, 'token-b');
    await writeDataDir(join(sandbox.cwd, 'flag-dir'), relayA, 'token-a');
    expect((await sandbox.run(['--data-dir', 'flag-dir', 'env', 'list'], { env: { CODEBOLT_HOME: 'home-dir' } })).code).toBe(0);
    expect(hits()).toEqual(['A Bearer token-a']);
    expect((await sandbox.run(['env', 'list'], { env: { CODEBOLT_HOME: join(sandbox.cwd, 'home-dir') } })).code).toBe(0);
    expect(hits()).toEqual(['A Bearer token-a', 'B Bearer token-b']);
  });

  it('resolves server and token separately (server from a flag, token from the data dir)', async () => {
    await writeDataDir(join(sandbox.cwd, '.codebolt'), relayB, 'token-a');
    const result = await sandbox.run(['--server', relayA.url, 'env', 'list']);
    expect(result.code).toBe(0);
    expect(hits()).toEqual(['A Bearer token-a']);
  });

  it('never sends the local admin token to a server that is not on this machine', async () => {
    await writeDataDir(join(sandbox.cwd, '.codebolt'), relayA, 'token-a');
    const result = await sandbox.run(['env', 'list'], { env: { CODEBOLT_SERVER: 'http://relay.example.com:7420' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error unauthorized: no token for the relay at http://relay.example.com:7420');
    expect(hits()).toEqual([]);
  });

  it('without any token: error unauthorized with the fix, exit 2, nothing on stdout', async () => {
    const result = await sandbox.run(['env', 'list']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `error unauthorized: no token for the relay at http://127.0.0.1:7420 (looked at --token, CODEBOLT_TOKEN, ${join(sandbox.home, '.config', 'codebolt', 'config.json')} and .codebolt/admin.token)\n` +
        'fix: start a relay here with `pnpm codebolt serve`, or pass --token / set CODEBOLT_TOKEN\n',
    );
  });

  it('a broken config file is a clear error', async () => {
    const path = await writeUserConfig({ server: relayA.url, password: 'x' });
    const result = await sandbox.run(['env', 'list']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error bad-request: the config file ${path} is invalid`);
  });

  it('config set writes server and token (0600) that later commands use; the token is not printed', async () => {
    const server = await sandbox.run(['config', 'set', 'server', relayA.url]);
    const token = await sandbox.run(['config', 'set', 'token', 'token-a']);
    expect(server.code).toBe(0);
    expect(token.code).toBe(0);
    expect(token.stdout).not.toContain('token-a');
    const path = join(sandbox.home, '.config', 'codebolt', 'config.json');
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ server: relayA.url, token: 'token-a' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await sandbox.run(['env', 'list'])).code).toBe(0);
    expect(hits()).toEqual(['A Bearer token-a']);
  });

  it('config set refuses a server that is not an http URL and an unknown key', async () => {
    const bad = await sandbox.run(['config', 'set', 'server', 'ftp://x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error bad-request: server must be an http:// or https:// URL');
    const unknown = await sandbox.run(['config', 'set', 'color', 'red']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error bad-request: .*color/);
  });
});
