import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runProvider } from './run-provider.js';
import { FixtureProvider } from './test-fixtures/fixture-provider.js';
import { NodeChild } from './test-support/child-process.js';
import { bundleScript } from './test-support/bundle-script.js';
import { TestRelay, withTimeout, type RelayPeer } from './test-support/test-relay.js';

const TOKEN = 'provider-token-for-tests';
const environment = { id: 'env-1', name: 'one', tenant: 'acme' };

let fixtureMain: { file: string; dir: string };
let children: NodeChild[] = [];
let relays: TestRelay[] = [];
let tempDirs: string[] = [];

beforeAll(async () => {
  fixtureMain = await bundleScript(fileURLToPath(new URL('./test-fixtures/fixture-main.ts', import.meta.url)));
});

afterAll(async () => {
  await rm(fixtureMain.dir, { recursive: true, force: true });
});

afterEach(async () => {
  const [toKill, toClose, toRemove] = [children, relays, tempDirs];
  children = [];
  relays = [];
  tempDirs = [];
  for (const child of toKill) await child.kill();
  for (const relay of toClose) await relay.close();
  for (const dir of toRemove) await rm(dir, { recursive: true, force: true });
});

async function startRelay(token = TOKEN): Promise<TestRelay> {
  const relay = await TestRelay.start(token);
  relays.push(relay);
  return relay;
}

async function startProvider(relay: TestRelay, env: Record<string, string> = {}): Promise<{ child: NodeChild; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'codebolt-fixture-'));
  tempDirs.push(dir);
  const child = NodeChild.start(fixtureMain.file, {
    CODEBOLT_RELAY_URL: relay.url,
    CODEBOLT_PROVIDER_TOKEN: TOKEN,
    FIXTURE_DIR: dir,
    FIXTURE_HEARTBEAT_MS: '60000',
    ...env,
  });
  children.push(child);
  return { child, dir };
}

/** A connection whose providerHello the relay has answered. */
async function connected(relay: TestRelay, index = 0): Promise<RelayPeer> {
  const peer = await relay.connection(index);
  await peer.waitForFrame((frame) => frame.type === 'providerHello', 'providerHello');
  return peer;
}

function startRequest(creationToken: string, runtimeToken: string, resourceId?: string, config: Record<string, unknown> = {}) {
  return {
    environment,
    creationToken,
    config,
    runtime: { url: 'ws://127.0.0.1:1/v1/runtime', token: runtimeToken },
    ...(resourceId === undefined ? {} : { resourceId }),
  };
}

async function readResource(dir: string, resourceId: string): Promise<{ status: string; runtimeToken: string }> {
  return JSON.parse(await readFile(join(dir, `${resourceId}.json`), 'utf8'));
}

describe('runProvider against a relay', () => {
  it('sends providerHello with name, version and pid, authenticated by the bearer header, and drops the token from its env', async () => {
    const relay = await startRelay();
    const { child } = await startProvider(relay);
    const peer = await relay.connection(0);
    const hello = await peer.waitForFrame((frame) => frame.type === 'providerHello', 'providerHello');

    expect(peer.authorization).toBe(`Bearer ${TOKEN}`);
    expect(hello.id).toEqual(expect.any(String));
    expect(hello.data).toEqual({ provider: 'fixture', version: '1.2.3', pid: child.pid });
    const health = await peer.request('providerHealth', { config: {} });
    expect(health.type).toBe('providerHealth');
    expect(health.error).toBeUndefined();
    expect(JSON.parse((health.data as { message: string }).message)).toEqual({ tokenInEnv: false, pid: child.pid });
  });

  it('providerStart without a resourceId creates the resource', async () => {
    const relay = await startRelay();
    const { dir } = await startProvider(relay);
    const peer = await connected(relay);

    const answer = await peer.request('providerStart', startRequest('ct1', 'runtime-token-a'));

    expect(answer.error).toBeUndefined();
    expect(answer.data).toEqual({ resourceId: 'fx-ct1', outcome: 'created' });
    expect(await readResource(dir, 'fx-ct1')).toMatchObject({ status: 'running', runtimeToken: 'runtime-token-a' });
  });

  it('providerStart with a running resource stops it, then starts it with the new runtime token', async () => {
    const relay = await startRelay();
    const { dir } = await startProvider(relay);
    const peer = await connected(relay);
    await peer.request('providerStart', startRequest('ct1', 'runtime-token-a'));

    const answer = await peer.request('providerStart', startRequest('ct1', 'runtime-token-b', 'fx-ct1'));

    expect(answer.error).toBeUndefined();
    expect(answer.data).toEqual({ resourceId: 'fx-ct1', outcome: 'resumed' });
    await peer.waitForLog('start fx-ct1');
    expect(peer.logMessages()).toEqual(['create fx-ct1', 'stop fx-ct1', 'start fx-ct1']);
    expect(await readResource(dir, 'fx-ct1')).toMatchObject({ status: 'running', runtimeToken: 'runtime-token-b' });
    const state = await peer.waitForFrame((frame) => frame.type === 'resourceState', 'resourceState');
    expect(state.data).toEqual({ resourceId: 'fx-ct1', status: 'running', reason: 'started by the fixture' });
  });

  it('providerStart with a stopped resource only starts it', async () => {
    const relay = await startRelay();
    const { dir } = await startProvider(relay);
    const peer = await connected(relay);
    await peer.request('providerStart', startRequest('ct1', 'runtime-token-a'));
    const stopped = await peer.request('providerStop', { environment, resourceId: 'fx-ct1', mode: 'stop', config: {} });
    expect(stopped.error).toBeUndefined();
    expect(stopped.data).toEqual({});

    const answer = await peer.request('providerStart', startRequest('ct1', 'runtime-token-b', 'fx-ct1'));

    expect(answer.data).toEqual({ resourceId: 'fx-ct1', outcome: 'resumed' });
    await peer.waitForLog('start fx-ct1');
    expect(peer.logMessages()).toEqual(['create fx-ct1', 'stop fx-ct1', 'start fx-ct1']);
    expect(await readResource(dir, 'fx-ct1')).toMatchObject({ status: 'running', runtimeToken: 'runtime-token-b' });
  });

  it('providerStart with a gone resource answers resource-gone', async () => {
    const relay = await startRelay();
    await startProvider(relay);
    const peer = await connected(relay);

    const answer = await peer.request('providerStart', startRequest('ct1', 'runtime-token-a', 'fx-missing'));

    expect(answer.type).toBe('providerStart');
    expect(answer.data).toBeUndefined();
    expect(answer.error?.code).toBe('resource-gone');
    expect(answer.error?.message).toContain('fx-missing');
    expect(answer.error?.message).toContain('codebolt env delete env-1');
  });

  it('maps providerAttach, providerStop (stop and destroy) and providerList onto the verbs', async () => {
    const relay = await startRelay();
    const { dir } = await startProvider(relay);
    const peer = await connected(relay);
    await peer.request('providerStart', startRequest('a', 'token-a'));
    await peer.request('providerStart', startRequest('b', 'token-b'));

    expect((await peer.request('providerAttach', { environment, resourceId: 'fx-a', config: {} })).data).toEqual({ status: 'running' });
    await peer.request('providerStop', { environment, resourceId: 'fx-a', mode: 'stop', config: {} });
    await peer.request('providerStop', { environment, resourceId: 'fx-b', mode: 'destroy', config: {} });

    expect((await peer.request('providerAttach', { environment, resourceId: 'fx-a', config: {} })).data).toEqual({ status: 'stopped' });
    expect((await peer.request('providerAttach', { environment, resourceId: 'fx-b', config: {} })).data).toEqual({ status: 'gone', detail: 'no file' });
    expect((await peer.request('providerList', { config: {} })).data).toEqual({
      resources: [{ resourceId: 'fx-a', environmentId: 'env-1', status: 'stopped' }],
    });
    await expect(readResource(dir, 'fx-b')).rejects.toThrow(/ENOENT/);
  });

  it('answers provider-error with the message of a plain throw, and the code of a CodeboltError', async () => {
    const relay = await startRelay();
    await startProvider(relay);
    const peer = await connected(relay);

    const exploded = await peer.request('providerAttach', { environment, resourceId: 'explode', config: {} });
    const refused = await peer.request('providerStart', startRequest('ct1', 'token', undefined, { failWith: 'invalid-config' }));

    expect(exploded.type).toBe('providerAttach');
    expect(exploded.error).toEqual({ code: 'provider-error', message: 'backend exploded: quota exceeded for project p-1' });
    expect(refused.error).toEqual({ code: 'invalid-config', message: 'fixture create refused: set config.failWith to nothing to succeed' });
  });

  it('answers malformed frames with bad-request and keeps serving', async () => {
    const relay = await startRelay();
    const { child } = await startProvider(relay);
    const peer = await connected(relay);

    peer.sendRaw('this is not json');
    const notJson = await peer.waitForFrame((frame) => frame.error !== undefined && frame.re === undefined, 'the answer to a non-JSON frame');
    peer.sendRaw(JSON.stringify({ v: 1, type: 'providerStart', id: 'm1', data: { environment } }));
    const badData = await peer.waitForFrame((frame) => frame.re === 'm1', 'the answer to invalid providerStart data');
    peer.sendRaw(JSON.stringify({ v: 1, type: 'providerDance', id: 'm2' }));
    const unknownType = await peer.waitForFrame((frame) => frame.re === 'm2', 'the answer to an unknown type');
    peer.sendRaw(JSON.stringify({ v: 1, type: 'providerList', id: 'm3', data: { config: {} }, surprise: true }));
    const badEnvelope = await peer.waitForFrame((frame) => frame.re === 'm3', 'the answer to an envelope with an unknown field');

    expect(notJson.error).toEqual({ code: 'bad-request', message: expect.stringContaining('not valid JSON') });
    expect(badData).toMatchObject({ type: 'providerStart', error: { code: 'bad-request' } });
    expect(badData.error?.message).toContain('providerStart data');
    expect(unknownType).toMatchObject({ type: 'providerDance', error: { code: 'bad-request' } });
    expect(unknownType.error?.message).toContain('unknown request type "providerDance"');
    expect(badEnvelope).toMatchObject({ type: 'providerList', error: { code: 'bad-request' } });
    const list = await peer.request('providerList', { config: {} });
    expect(list.data).toEqual({ resources: [] });
    expect(relay.peers).toHaveLength(1);
    expect(child.process.exitCode).toBeNull();
  });

  it('sends heartbeat events at heartbeatIntervalMs', async () => {
    const relay = await startRelay();
    await startProvider(relay, { FIXTURE_HEARTBEAT_MS: '100' });
    const peer = await connected(relay);

    const heartbeats = await peer.waitForFrames((frame) => frame.type === 'heartbeat', 3, 'three heartbeats');

    for (const heartbeat of heartbeats) expect(heartbeat).toEqual({ v: 1, type: 'heartbeat', data: {} });
  });

  it('reconnects after the relay drops the connection, aborts the requests in flight and serves again', async () => {
    const relay = await startRelay();
    await startProvider(relay);
    const first = await connected(relay);
    await first.request('providerStart', startRequest('ct1', 'token-a'));
    first.sendRaw(JSON.stringify({ v: 1, type: 'providerHealth', id: 'hang-1', data: { config: { hang: true } } }));
    await first.waitForLog('hanging');

    first.terminate();
    const second = await connected(relay, 1);

    await second.waitForLog('aborted');
    expect(second.authorization).toBe(`Bearer ${TOKEN}`);
    const list = await second.request('providerList', { config: {} });
    expect(list.data).toEqual({ resources: [{ resourceId: 'fx-ct1', environmentId: 'env-1', status: 'running' }] });
    expect(first.frames.some((frame) => frame.re === 'hang-1')).toBe(false);
  });

  it('exits non-zero without retrying when the relay answers the upgrade with 401', async () => {
    const relay = await startRelay('another-token');
    const { child } = await startProvider(relay);

    const exit = await child.waitForExit('the provider to exit after a 401');

    expect(exit.code).toBe(1);
    expect(child.stderr).toContain('unauthorized');
    expect(child.stderr).toContain('HTTP 401');
    expect(child.stderr).not.toContain(TOKEN);
    expect(relay.peers).toHaveLength(0);
  });

  it('exits when its stdin ends (the relay that spawned it died)', async () => {
    const relay = await startRelay();
    const { child } = await startProvider(relay);
    await connected(relay);

    child.process.stdin.end();

    expect(await child.waitForExit('the provider to exit on stdin EOF')).toEqual({ code: 0, signal: null });
  });

  it('gives up and exits non-zero after reconnectTimeoutMs without a relay', async () => {
    const relay = await startRelay();
    const { child } = await startProvider(relay, { FIXTURE_RECONNECT_TIMEOUT_MS: '1000' });
    await connected(relay);
    relays = relays.filter((candidate) => candidate !== relay);

    await relay.close();
    const exit = await child.waitForExit('the provider to give up');

    expect(exit.code).toBe(1);
    expect(child.stderr).toContain('timeout: could not reach the relay');
  });

  it('exits with code 2 naming the variable when CODEBOLT_RELAY_URL or CODEBOLT_PROVIDER_TOKEN is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'codebolt-fixture-'));
    tempDirs.push(dir);
    const withoutUrl = NodeChild.start(fixtureMain.file, { CODEBOLT_PROVIDER_TOKEN: TOKEN, FIXTURE_DIR: dir });
    const withoutToken = NodeChild.start(fixtureMain.file, { CODEBOLT_RELAY_URL: 'ws://127.0.0.1:1/v1/provider', FIXTURE_DIR: dir });
    children.push(withoutUrl, withoutToken);

    expect((await withoutUrl.waitForExit('exit without CODEBOLT_RELAY_URL')).code).toBe(2);
    expect((await withoutToken.waitForExit('exit without CODEBOLT_PROVIDER_TOKEN')).code).toBe(2);
    expect(withoutUrl.stderr).toContain('CODEBOLT_RELAY_URL is not set');
    expect(withoutToken.stderr).toContain('CODEBOLT_PROVIDER_TOKEN is not set');
  });

  it('in process: resolves and closes the connection when options.signal aborts', async () => {
    const relay = await startRelay();
    const dir = await mkdtemp(join(tmpdir(), 'codebolt-fixture-'));
    tempDirs.push(dir);
    const stop = new AbortController();
    const running = runProvider(new FixtureProvider(dir), { url: relay.url, token: TOKEN, exitOnStdinEnd: false, signal: stop.signal });
    const peer = await connected(relay);
    expect((await peer.request('providerList', { config: {} })).data).toEqual({ resources: [] });

    stop.abort();

    await withTimeout(running, 20_000, 'runProvider to resolve after abort');
    await withTimeout(peer.closed, 20_000, 'the connection to close after abort');
  });
});
