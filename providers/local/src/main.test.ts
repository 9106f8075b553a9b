import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bundleScript } from './test-support/bundle-script.js';
import { NodeChild } from './test-support/child-process.js';
import { TestRelay } from './test-support/test-relay.js';

const TOKEN = 'provider-token-for-main';
const environment = { id: 'env-1', name: 'one', tenant: 'acme' };

let main: { file: string; dir: string };
let children: NodeChild[] = [];
let relays: TestRelay[] = [];
let homes: string[] = [];

beforeAll(async () => {
  main = await bundleScript(fileURLToPath(new URL('./main.ts', import.meta.url)));
});

afterAll(async () => {
  await rm(main.dir, { recursive: true, force: true });
});

afterEach(async () => {
  const [toKill, toClose, toRemove] = [children, relays, homes];
  children = [];
  relays = [];
  homes = [];
  for (const child of toKill) await child.kill();
  for (const relay of toClose) await relay.close();
  for (const home of toRemove) await rm(home, { recursive: true, force: true });
});

function start(env: Record<string, string>): NodeChild {
  const child = NodeChild.start(main.file, env);
  children.push(child);
  return child;
}

describe('the local provider main (dist/main.js)', () => {
  it('exits with code 2 and says what to set when CODEBOLT_HOME is missing or relative', async () => {
    const missing = start({ CODEBOLT_RELAY_URL: 'ws://127.0.0.1:1/v1/provider', CODEBOLT_PROVIDER_TOKEN: TOKEN });
    const relative = start({ CODEBOLT_HOME: 'data', CODEBOLT_RELAY_URL: 'ws://127.0.0.1:1/v1/provider', CODEBOLT_PROVIDER_TOKEN: TOKEN });

    expect((await missing.waitForExit('exit without CODEBOLT_HOME')).code).toBe(2);
    expect((await relative.waitForExit('exit with a relative CODEBOLT_HOME')).code).toBe(2);
    expect(missing.stderr).toContain('CODEBOLT_HOME is not set');
    expect(relative.stderr).toContain('must be an absolute path');
  });

  it('registers as "local" with the relay, serves its requests, and exits when stdin ends', async () => {
    const home = await realpath(await mkdtemp(join(tmpdir(), 'codebolt-local-main-')));
    homes.push(home);
    const relay = await TestRelay.start(TOKEN);
    relays.push(relay);
    const child = start({ CODEBOLT_HOME: home, CODEBOLT_RELAY_URL: relay.url('/v1/provider'), CODEBOLT_PROVIDER_TOKEN: TOKEN });
    const peer = await relay.connection(0);

    const hello = await peer.waitForFrame((frame) => frame.type === 'providerHello', 'providerHello');
    const list = await peer.request('providerList', { config: {} });
    const attach = await peer.request('providerAttach', { environment, resourceId: 'local-env-1', config: {} });
    const stop = await peer.request('providerStop', { environment, resourceId: 'local-env-1', mode: 'destroy', config: {} });
    child.process.stdin.end();

    expect(peer.authorization).toBe(`Bearer ${TOKEN}`);
    expect(hello.data).toEqual({ provider: 'local', version: '0.1.0', pid: child.pid });
    expect(list.data).toEqual({ resources: [] });
    expect(attach.data).toEqual({ status: 'gone', detail: `workspace ${join(home, 'workspaces', 'env-1')} does not exist` });
    expect(stop.data).toEqual({});
    expect(await child.waitForExit('the provider to exit on stdin EOF')).toEqual({ code: 0, signal: null });
  });
});
