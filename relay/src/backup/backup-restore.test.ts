import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { create as createTar, extract as extractTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../audit/verify-audit-log.js';
import { waitForState } from '../test-support/auth-probes.js';
import { type RelayFixture, startRelayFixture } from '../test-support/relay-fixture.js';
import { checkDataDir } from './check-data-dir.js';
import { writeOfflineBackup } from './offline-backup.js';
import { restoreBackup, verifyBackup } from './restore-backup.js';

let fixture: RelayFixture;
let scratch: string;
let archive: string;
let environmentId: string;
let masterKeys: Buffer[];

async function download(path: string, body: unknown = {}): Promise<Response> {
  const response = await fixture.api('/v1/admin/backup', { method: 'POST', body: JSON.stringify(body) });
  if (response.ok) await pipeline(Readable.fromWeb(response.body as never), createWriteStream(path));
  return response;
}

/** Unpacks an archive, lets `edit` change it, and packs it again (a tampered copy). */
async function repack(from: string, to: string, edit: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(scratch, 'repack-'));
  await extractTar({ file: from, cwd: dir });
  await edit(dir);
  await createTar({ gzip: true, cwd: dir, file: to, portable: true }, await readdir(dir));
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'codebolt-backup-test-'));
  fixture = await startRelayFixture();
  expect((await fixture.api('/v1/providers/local/config', { method: 'PUT', body: JSON.stringify({ config: { secretEnv: { SHARED: 'provider-secret-plaintext' } } }) })).status).toBe(200);
  const created = await fixture.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'kept', provider: 'local', config: { secretEnv: { OWN: 'env-secret-plaintext' } } }) });
  environmentId = ((await created.json()) as { id: string }).id;
  await waitForState(fixture, environmentId, 'running');
  await writeFile(join(fixture.dataDir, 'workspaces', environmentId, 'notes.txt'), 'work in progress\n');
  masterKeys = (await readFile(join(fixture.dataDir, 'master.key'), 'utf8')).trim().split('\n').map((line) => Buffer.from(line, 'base64url'));
  archive = join(scratch, 'backup.tar.gz');
  // Writes keep flowing while the backup runs: the archive must still be consistent.
  const busy = Promise.all(Array.from({ length: 6 }, (_, index) => fixture.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: `busy-${index}`, provider: 'local' }) })));
  const response = await download(archive);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/gzip');
  await busy;
});

afterAll(async () => {
  await fixture?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('backup', () => {
  it('holds records, audit log, installation id, provider config, provider state and workspaces, with checksums, and never the master key or a plaintext secret', async () => {
    const manifest = await verifyBackup(archive);
    const paths = manifest.files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['data/environments.json', 'data/audit.log', 'data/installation.json', 'data/providers.json', 'secrets/signing.key.json', `data/workspaces/${environmentId}/notes.txt`, `data/providers/local/${environmentId}/resource.json`]));
    expect(manifest).toMatchObject({ format: 'codebolt-backup', formatVersion: 1, workspaces: true, storeSchemaVersion: 1 });
    expect(manifest.installationId).toBe(JSON.parse(await readFile(join(fixture.dataDir, 'installation.json'), 'utf8')).installationId);
    expect(paths.some((path) => /master\.key|admin\.token|signing\.key$/.test(path))).toBe(false);

    const unpacked = await mkdtemp(join(scratch, 'unpacked-'));
    await extractTar({ file: archive, cwd: unpacked });
    const everything = (await Promise.all(manifest.files.map((file) => readFile(join(unpacked, file.path))))).map((buffer) => buffer.toString('latin1')).join('\n');
    for (const key of masterKeys) {
      expect(everything).not.toContain(key.toString('base64url'));
      expect(everything).not.toContain(key.toString('latin1'));
    }
    expect(everything).not.toContain('provider-secret-plaintext');
    expect(everything).not.toContain('env-secret-plaintext');
    expect(everything).not.toContain((await readFile(join(fixture.dataDir, 'signing.key'), 'utf8')).trim());
    // The snapshot is consistent: its store parses and its audit chain verifies.
    expect(JSON.parse(await readFile(join(unpacked, 'data/environments.json'), 'utf8')).environments.length).toBeGreaterThanOrEqual(1);
    expect(await verifyAuditLog(join(unpacked, 'data/audit.log'))).toMatchObject({ ok: true });
  });

  it('leaves workspaces out when asked, and is refused to a non-operator token', async () => {
    const without = join(scratch, 'no-workspaces.tar.gz');
    expect((await download(without, { workspaces: false })).status).toBe(200);
    const manifest = await verifyBackup(without);
    expect(manifest.workspaces).toBe(false);
    expect(manifest.files.some((file) => file.path.startsWith('data/workspaces/'))).toBe(false);

    const admin = (await (await fixture.api('/v1/tokens', { method: 'POST', body: JSON.stringify({ tenant: 'default', role: 'admin' }) })).json()) as { token: string };
    const refused = await fixture.api('/v1/admin/backup', { method: 'POST', body: '{}', token: admin.token });
    expect(refused.status).toBe(403);
    expect((await fixture.api('/v1/admin/backup', { method: 'POST', body: JSON.stringify({ everything: true }) })).status).toBe(400);
  });
});

describe('restore', () => {
  it('restores into a new dir a data dir that checks clean, with the signing key decrypted', async () => {
    const target = join(scratch, 'restored');
    const manifest = await restoreBackup({ archive, dataDir: target, masterKeys, writeMasterKeyFile: true });
    expect(await readFile(join(target, 'signing.key'), 'utf8')).toBe(await readFile(join(fixture.dataDir, 'signing.key'), 'utf8'));
    expect(await readFile(join(target, `workspaces/${environmentId}/notes.txt`), 'utf8')).toBe('work in progress\n');
    expect(manifest.files.length).toBeGreaterThan(5);
    const check = await checkDataDir(target);
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);

    // No relay runs on the restored dir: an offline backup of it holds the same files.
    const offline = join(scratch, 'offline.tar.gz');
    const again = await writeOfflineBackup(target, {}, createWriteStream(offline));
    expect((await verifyBackup(offline)).files).toEqual(again.files);
    // Every file is the same except the signing key's ciphertext (a fresh IV each time).
    const digest = (files: typeof manifest.files) => files.filter((file) => file.path !== 'secrets/signing.key.json').map((file) => [file.path, file.sha256]);
    expect(digest(again.files)).toEqual(digest(manifest.files));
    expect(again.files.map((file) => file.path)).toContain('secrets/signing.key.json');
  });

  it('refuses an offline backup while a relay holds the data dir', async () => {
    await expect(writeOfflineBackup(fixture.dataDir, {}, createWriteStream(join(scratch, 'never.tar.gz')))).rejects.toMatchObject({ code: 'data-dir-locked' });
  });

  it('refuses a corrupt, tampered, truncated or newer archive, a wrong master key, and a non-empty data dir', async () => {
    const bytes = await readFile(archive);
    const corrupt = join(scratch, 'corrupt.tar.gz');
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
    await writeFile(corrupt, flipped);
    await expect(verifyBackup(corrupt)).rejects.toMatchObject({ code: 'backup-invalid' });

    const truncated = join(scratch, 'truncated.tar.gz');
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 3)));
    await expect(verifyBackup(truncated)).rejects.toMatchObject({ code: 'backup-invalid' });

    const tampered = join(scratch, 'tampered.tar.gz');
    await repack(archive, tampered, async (dir) => writeFile(join(dir, 'data/environments.json'), '{"schemaVersion":1,"environments":[]}\n'));
    await expect(verifyBackup(tampered)).rejects.toMatchObject({ code: 'backup-invalid', message: expect.stringContaining('checksum mismatch for data/environments.json') });

    const extra = join(scratch, 'extra.tar.gz');
    await repack(archive, extra, async (dir) => writeFile(join(dir, 'data/master.key'), 'planted\n'));
    await expect(verifyBackup(extra)).rejects.toMatchObject({ code: 'backup-invalid', message: expect.stringContaining('data/master.key') });

    const newer = join(scratch, 'newer.tar.gz');
    await repack(archive, newer, async (dir) => {
      const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { formatVersion: number };
      await writeFile(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, formatVersion: 2 }));
    });
    await expect(restoreBackup({ archive: newer, dataDir: join(scratch, 'never-1'), masterKeys, writeMasterKeyFile: false })).rejects.toMatchObject({
      code: 'data-version-unsupported',
      message: expect.stringContaining('format 2'),
    });

    await expect(restoreBackup({ archive, dataDir: join(scratch, 'never-2'), masterKeys: [Buffer.alloc(32, 7)], writeMasterKeyFile: false })).rejects.toMatchObject({
      code: 'invalid-config',
      message: expect.stringContaining('master key'),
    });
    const occupied = join(scratch, 'occupied');
    await mkdir(occupied);
    await writeFile(join(occupied, 'environments.json'), '{}');
    await expect(restoreBackup({ archive, dataDir: occupied, masterKeys, writeMasterKeyFile: false })).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('not empty') });
    expect(await readdir(occupied)).toEqual(['environments.json']);
    for (const name of ['never-1', 'never-2']) await expect(readdir(join(scratch, name))).rejects.toMatchObject({ code: 'ENOENT' });
    // No scratch dirs are left beside the targets.
    expect((await readdir(scratch)).filter((name) => name.includes('.restore-') || name.includes('.verify-'))).toEqual([]);
  });
});
