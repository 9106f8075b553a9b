import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalProvider } from './create-local-provider.js';
import type { LocalProvider } from './local-provider.js';
import { within } from './test-support/report-server.js';
import { TestRelay } from './test-support/test-relay.js';

// Runs the real @codebolt/runtime (its dist/bin.js, found the way the provider finds it by
// default): build packages/runtime first (the root `pnpm test` does).

const RUNTIME_TOKEN = 'runtime-token-for-the-real-runtime';
const environment = { id: 'env-real', name: 'real', tenant: 'acme' };

let home: string;
let relay: TestRelay;
let provider: LocalProvider;

beforeEach(async () => {
  home = await realpath(await mkdtemp(join(tmpdir(), 'codebolt-local-real-')));
  relay = await TestRelay.start(RUNTIME_TOKEN, { environmentId: environment.id, generation: 1 });
  provider = createLocalProvider({ home });
});

afterEach(async () => {
  await provider.destroy('local-env-real', { environment, config: {}, signal: new AbortController().signal });
  await relay.close();
  await rm(home, { recursive: true, force: true });
});

describe('LocalProvider with the real runtime', () => {
  it('launches @codebolt/runtime, which dials back with its token in the Authorization header and says hello', async () => {
    const { resourceId } = await provider.create({
      environment,
      config: {},
      creationToken: 'creation-real',
      runtime: { url: relay.url('/v1/runtime'), token: RUNTIME_TOKEN },
      signal: new AbortController().signal,
    });
    const peer = await relay.connection(0);
    const hello = await peer.waitForFrame((frame) => frame.type === 'hello', 'the runtime hello');
    const record = JSON.parse(await readFile(join(home, 'providers', 'local', 'env-real', 'runtime.json'), 'utf8')) as { pid: number };

    expect(resourceId).toBe('local-env-real');
    expect(peer.path).toBe('/v1/runtime');
    expect(peer.authorization).toBe(`Bearer ${RUNTIME_TOKEN}`);
    expect(hello.id).toEqual(expect.any(String));
    expect(hello.data).toMatchObject({ pid: record.pid, version: expect.any(String) });
    expect((await provider.attach(resourceId, { environment, config: {}, signal: new AbortController().signal })).status).toBe('running');

    await provider.stop(resourceId, { environment, config: {}, signal: new AbortController().signal });

    expect((await provider.attach(resourceId, { environment, config: {}, signal: new AbortController().signal })).status).toBe('stopped');
    await within(peer.closed, 'the runtime connection to close after stop');
  });
});
