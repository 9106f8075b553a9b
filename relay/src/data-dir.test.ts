import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRelay } from './relay.js';
import { LOCAL_PROVIDER_DIR, startRelayFixture } from './test-support/relay-fixture.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'codebolt-datadir-test-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('data dir', () => {
  it('creates its secrets with mode 0600 on first boot and keeps them on the next', async () => {
    const first = await startRelayFixture({ dataDir });
    expect(first.relay.firstBoot).toBe(true);
    for (const file of ['signing.key', 'master.key', 'admin.token', 'relay.lock', 'relay.json']) {
      expect(((await stat(join(dataDir, file))).mode & 0o777).toString(8), file).toBe('600');
    }
    const token = first.adminToken;
    await first.close();
    await expect(stat(join(dataDir, 'relay.lock'))).rejects.toThrow();
    const second = await startRelayFixture({ dataDir });
    expect(second.relay.firstBoot).toBe(false);
    expect(second.adminToken).toBe(token);
    await second.close();
  });

  it('makes an installation id on first boot and keeps it in installation.json', async () => {
    const first = await startRelayFixture({ dataDir });
    const { installationId } = JSON.parse(await readFile(join(dataDir, 'installation.json'), 'utf8')) as { installationId: string };
    await first.close();
    const second = await startRelayFixture({ dataDir });
    await second.close();

    expect(installationId).toMatch(/^cb-[0-9a-f]{16}$/);
    expect(JSON.parse(await readFile(join(dataDir, 'installation.json'), 'utf8'))).toEqual({ installationId });
  });

  it('refuses a second relay on the same data dir, naming the process that holds it', async () => {
    const first = await startRelayFixture({ dataDir });
    try {
      await expect(startRelay({ port: 0, dataDir, providerPackages: [LOCAL_PROVIDER_DIR], logLevel: 'error' })).rejects.toMatchObject({
        code: 'data-dir-locked',
        message: expect.stringContaining(`relay process ${process.pid}`),
      });
    } finally {
      await first.close();
    }
  });

  it('takes over a lock left by a dead process', async () => {
    await writeFile(join(dataDir, 'relay.lock'), JSON.stringify({ pid: 2 ** 22 + 12345 }));
    const fixture = await startRelayFixture({ dataDir });
    await fixture.close();
  });

  it('refuses to start on a corrupt environments.json, names it, and leaves it untouched', async () => {
    const path = join(dataDir, 'environments.json');
    await writeFile(path, '{"schemaVersion":1,"environments":[');
    await expect(startRelay({ port: 0, dataDir, providerPackages: [LOCAL_PROVIDER_DIR], logLevel: 'error' })).rejects.toMatchObject({
      code: 'data-corrupt',
      message: expect.stringContaining(path),
    });
    expect(await readFile(path, 'utf8')).toBe('{"schemaVersion":1,"environments":[');
    // The lock was released, so a fixed file lets the relay start.
    await writeFile(path, JSON.stringify({ schemaVersion: 1, environments: [] }));
    const fixture = await startRelayFixture({ dataDir });
    await fixture.close();
  });

  it('refuses to start on environments.json from a newer schema version, says to upgrade, and leaves it untouched', async () => {
    const path = join(dataDir, 'environments.json');
    await copyFile(fileURLToPath(new URL('./store/fixtures/environments.v99-newer.json', import.meta.url)), path);
    const before = await readFile(path, 'utf8');
    await expect(startRelay({ port: 0, dataDir, providerPackages: [LOCAL_PROVIDER_DIR], logLevel: 'error' })).rejects.toMatchObject({
      code: 'data-version-unsupported',
      message: expect.stringContaining('Upgrade the relay'),
    });
    expect(await readFile(path, 'utf8')).toBe(before);
    await expect(stat(join(dataDir, 'relay.lock'))).rejects.toThrow();
  });

  it('refuses to bind a non-loopback address without an explicit opt-in', async () => {
    await expect(startRelay({ host: '0.0.0.0', port: 0, dataDir, logLevel: 'error' })).rejects.toMatchObject({ code: 'invalid-config', message: expect.stringContaining('--allow-remote') });
  });
});
