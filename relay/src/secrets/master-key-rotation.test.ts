import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitForState } from '../test-support/auth-probes.js';
import { type RelayFixture, startRelayFixture } from '../test-support/relay-fixture.js';
import { masterKeyId } from './cipher.js';

let fixture: RelayFixture;
beforeEach(async () => {
  fixture = await startRelayFixture();
});
afterEach(async () => {
  await fixture.close();
});

const keyIdsIn = (text: string) => [...text.matchAll(/"\$enc":\s*"v2:([0-9a-f]{16}):/g)].map((match) => match[1]);

describe('master key rotation', () => {
  it('re-encrypts every secret under a new key while serving, leaves none under the old key id, and the secrets still work', async () => {
    const configured = await fixture.api('/v1/providers/local/config', { method: 'PUT', body: JSON.stringify({ config: { secretEnv: { SHARED_KEY: 'shared-value-1' } } }) });
    expect(configured.status).toBe(200);
    const created = await fixture.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'rot', provider: 'local', config: { secretEnv: { OWN_KEY: 'own-value-2' } } }) });
    const { id } = (await created.json()) as { id: string };
    await waitForState(fixture, id, 'running');

    const masterKeyPath = join(fixture.dataDir, 'master.key');
    const oldKeyId = masterKeyId(Buffer.from((await readFile(masterKeyPath, 'utf8')).trim(), 'base64url'));
    const files = async () => `${await readFile(join(fixture.dataDir, 'environments.json'), 'utf8')}\n${await readFile(join(fixture.dataDir, 'providers.json'), 'utf8')}`;
    expect(keyIdsIn(await files())).toEqual([oldKeyId, oldKeyId]);

    const rotated = await fixture.api('/v1/admin/rotate-master-key', { method: 'POST', body: '{}' });
    expect(rotated.status).toBe(200);
    const result = (await rotated.json()) as { previousKeyId: string; keyId: string; reencrypted: number };
    expect(result).toMatchObject({ previousKeyId: oldKeyId, reencrypted: 2 });
    expect(result.keyId).not.toBe(oldKeyId);

    const after = await files();
    expect(after).not.toContain(oldKeyId);
    expect(keyIdsIn(after)).toEqual([result.keyId, result.keyId]);
    const keyring = (await readFile(masterKeyPath, 'utf8')).trim().split('\n');
    expect(keyring.map((line) => masterKeyId(Buffer.from(line, 'base64url')))).toEqual([result.keyId]);

    // The relay still decrypts both secrets: a restart hands the provider the merged config.
    expect((await fixture.api(`/v1/environments/${id}/restart`, { method: 'POST' })).status).toBe(202);
    const restarted = await waitForState(fixture, id, 'running');
    expect(restarted.runtime.generation).toBeGreaterThan(1);

    // Non-operators may not rotate.
    const admin = (await (await fixture.api('/v1/tokens', { method: 'POST', body: JSON.stringify({ tenant: 'default', role: 'admin' }) })).json()) as { token: string };
    expect((await fixture.api('/v1/admin/rotate-master-key', { method: 'POST', body: '{}', token: admin.token })).status).toBe(403);
  });
});
