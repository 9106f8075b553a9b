import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errnoError, setFaultInjector } from './data-dir/file-system.js';
import { type RelayFixture, startRelayFixture } from './test-support/relay-fixture.js';

let fixture: RelayFixture;
beforeEach(async () => {
  fixture = await startRelayFixture();
});
afterEach(async () => {
  setFaultInjector(undefined);
  await fixture.close();
});

describe('relay under a failing disk', () => {
  it('answers 503 storage-failed with the reason when environments.json cannot be written, keeps the old state, and keeps serving', async () => {
    const storePath = join(fixture.dataDir, 'environments.json');
    const before = await readFile(storePath, 'utf8').catch(() => '');
    for (const errno of ['ENOSPC', 'EIO']) {
      setFaultInjector((call, path) => (call === 'write' && path.includes('.environments.json.') ? errnoError(errno, call, path) : undefined));
      const refused = await fixture.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: `full-${errno.toLowerCase()}`, provider: 'local' }) });
      setFaultInjector(undefined);
      expect(refused.status).toBe(503);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('storage-failed');
      expect(body.error.message).toContain(`(${errno})`);
      expect(body.error.message).toContain(storePath);
      if (errno === 'ENOSPC') expect(body.error.message).toContain('free disk space');
      // Nothing half-made: no record in memory or on disk.
      expect(((await (await fixture.api('/v1/environments')).json()) as { environments: unknown[] }).environments).toEqual([]);
      expect(await readFile(storePath, 'utf8').catch(() => '')).toBe(before);
    }
    // Still serving: the same create succeeds once the disk is back.
    const health = await fixture.api('/health');
    expect(((await health.json()) as { status: string }).status).toBe('ok');
    const created = await fixture.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'after-disk-full', provider: 'local' }) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect(JSON.parse(await readFile(storePath, 'utf8')).environments.map((record: { id: string }) => record.id)).toEqual([id]);
  });

  it('answers storage-failed when providers.json cannot be written, and keeps the old provider config', async () => {
    const put = (region: string) => fixture.api('/v1/providers/local/config', { method: 'PUT', body: JSON.stringify({ config: { env: { REGION: region } } }) });
    expect((await put('eu')).status).toBe(200);
    setFaultInjector((call, path) => (call === 'sync' && path.includes('.providers.json.') ? errnoError('EIO', call, path) : undefined));
    const refused = await put('us');
    setFaultInjector(undefined);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'storage-failed', message: expect.stringContaining('(EIO)') });
    const providers = (await (await fixture.api('/v1/providers')).json()) as { providers: Array<{ name: string; configured: { env?: { REGION?: string } } }> };
    expect(providers.providers.find((provider) => provider.name === 'local')!.configured.env?.REGION).toBe('eu');
    expect(JSON.parse(await readFile(join(fixture.dataDir, 'providers.json'), 'utf8')).providers.local.config.env.REGION).toBe('eu');
    expect((await put('us')).status).toBe(200);
  });
});
