import { copyFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decryptSecretFields } from '../providers/provider-config-store.js';
import { SecretCipher } from '../secrets/cipher.js';
import { EnvironmentStore } from './environment-store.js';
import { storeFileSchema } from './record-schema.js';
import { STORE_SCHEMA_VERSION } from './store-migrations.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const FIXTURE_KEY = Buffer.alloc(32, 0x42);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codebolt-store-migrations-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const oldFormats = (await readdir(FIXTURES)).filter((name) => /^environments\.v\d+-[0-9a-f]+\.json$/.test(name));

describe('environments.json migrations', () => {
  it('has a fixture for every stored shape so far', () => {
    expect(oldFormats.sort()).toEqual(['environments.v1-6630862.json', 'environments.v1-d5ed9be.json']);
  });

  it.each(oldFormats)('%s loads, every record is valid at the current schema, its secrets decrypt, and it saves as the current version', async (fixture) => {
    const path = join(dir, 'environments.json');
    await copyFile(join(FIXTURES, fixture), path);
    const store = new EnvironmentStore(path);
    await store.load();
    const records = store.list();
    expect(records.map((record) => record.name)).toEqual(['web', 'worker']);
    const cipher = new SecretCipher(FIXTURE_KEY);
    for (const record of records) {
      expect(decryptSecretFields(record.config, cipher, `env:${record.id}`)).toEqual({ env: { GREETING: 'hello' }, secretEnv: { API_KEY: `secret-of-${record.name}` } });
    }
    expect(store.idempotencyEntry('default', 'create-web-1')?.environmentId).toBe(records[0]!.id);

    // The next commit writes the current version, and the result is valid and loads again.
    await store.update(records[1]!.id, (record) => {
      record.desiredState = 'stopped';
    });
    const saved = JSON.parse(await readFile(path, 'utf8')) as unknown;
    const parsed = storeFileSchema.safeParse(saved);
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
    expect((saved as { schemaVersion: number }).schemaVersion).toBe(STORE_SCHEMA_VERSION);
    const again = new EnvironmentStore(path);
    await again.load();
    expect(again.get(records[1]!.id)!.desiredState).toBe('stopped');
  });

  it('refuses a file from a newer schema version with data-version-unsupported, and leaves it untouched', async () => {
    const path = join(dir, 'environments.json');
    await copyFile(join(FIXTURES, 'environments.v99-newer.json'), path);
    const before = await readFile(path, 'utf8');
    const store = new EnvironmentStore(path);
    await expect(store.load()).rejects.toMatchObject({
      code: 'data-version-unsupported',
      message: expect.stringMatching(new RegExp(`schemaVersion 99.*up to ${STORE_SCHEMA_VERSION}.*Upgrade the relay`)),
    });
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('refuses a file that is not a store, and an invalid schemaVersion, as data-corrupt', async () => {
    const path = join(dir, 'environments.json');
    for (const content of ['{"records":[]}', '[]', '{"schemaVersion":-1,"environments":[]}']) {
      await import('node:fs/promises').then(({ writeFile }) => writeFile(path, content));
      await expect(new EnvironmentStore(path).load(), content).rejects.toMatchObject({ code: 'data-corrupt' });
    }
  });
});
