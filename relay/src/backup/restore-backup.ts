import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { extract as extractTar } from 'tar';
import { CodeboltError, describeZodError } from '@codebolt/protocol';
import { SecretCipher, isEncryptedValue, masterKeyId } from '../secrets/cipher.js';
import { BACKUP_FORMAT_VERSION, type BackupManifest, SIGNING_KEY_CONTEXT, backupManifestSchema, listTree } from './backup-manifest.js';

/**
 * Unpacks `archive` into the new directory `into` and checks it: a readable tar.gz, a manifest of
 * a format this relay knows, and exactly the files the manifest lists with matching sizes and
 * SHA-256. Throws `backup-invalid` (corrupt, truncated, tampered, not a backup) or
 * `data-version-unsupported` (a newer format); `into` is left for the caller to remove.
 */
export async function unpackBackup(archive: string, into: string): Promise<BackupManifest> {
  await mkdir(into, { recursive: true, mode: 0o700 });
  try {
    // Synchronous: when a corrupt archive fails, no write is still in flight (runs in the CLI, not the relay).
    extractTar({ file: archive, cwd: into, strict: true, preserveOwner: false, sync: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && (error as NodeJS.ErrnoException).path === archive) throw new CodeboltError('not-found', `no backup archive at ${archive}`);
    throw new CodeboltError('backup-invalid', `${archive} is not a readable tar.gz (${(error as Error).message}); it is truncated or corrupt — use another archive`, { cause: error });
  }
  let manifestValue: unknown;
  try {
    manifestValue = JSON.parse(await readFile(join(into, 'manifest.json'), 'utf8'));
  } catch (error) {
    throw new CodeboltError('backup-invalid', `${archive} has no readable manifest.json; it is not a Codebolt backup (made by \`codebolt admin backup\`)`, { cause: error });
  }
  const formatVersion = (manifestValue as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof formatVersion === 'number' && formatVersion > BACKUP_FORMAT_VERSION) {
    throw new CodeboltError(
      'data-version-unsupported',
      `${archive} has backup format ${formatVersion}, written by a newer relay; this relay restores up to format ${BACKUP_FORMAT_VERSION}. Restore it with a relay at least as new as ${String((manifestValue as { relayVersion?: unknown }).relayVersion ?? 'the one that wrote it')}`,
    );
  }
  const parsed = backupManifestSchema.safeParse(manifestValue);
  if (!parsed.success) throw new CodeboltError('backup-invalid', `${archive}: manifest.json is invalid (${describeZodError(parsed.error)}); it is not a Codebolt backup or was altered`);
  const manifest = parsed.data;

  const found = await listTree(into, ['data', 'secrets']);
  const expected = new Map(manifest.files.map((file) => [file.path, file]));
  for (const file of found.files) {
    const listed = expected.get(file.path);
    if (!listed) throw new CodeboltError('backup-invalid', `${archive} contains ${file.path}, which its manifest does not list; the archive was altered — use another archive`);
    if (listed.sha256 !== file.sha256 || listed.bytes !== file.bytes) {
      throw new CodeboltError('backup-invalid', `${archive}: checksum mismatch for ${file.path} (manifest sha256 ${listed.sha256.slice(0, 12)}…, archive ${file.sha256.slice(0, 12)}…); the archive is corrupt — use another archive`);
    }
    expected.delete(file.path);
  }
  if (expected.size > 0) throw new CodeboltError('backup-invalid', `${archive} lacks ${[...expected.keys()].slice(0, 5).join(', ')} listed in its manifest; the archive is truncated or altered — use another archive`);
  const links = new Map(manifest.links.map((link) => [link.path, link.target]));
  for (const link of found.links) {
    if (links.get(link.path) !== link.target) throw new CodeboltError('backup-invalid', `${archive}: symlink ${link.path} does not match the manifest; the archive was altered`);
    links.delete(link.path);
  }
  if (links.size > 0 || found.other.length > 0) throw new CodeboltError('backup-invalid', `${archive}: its entries do not match the manifest (${[...links.keys(), ...found.other].slice(0, 5).join(', ')})`);
  if (!manifest.files.some((file) => file.path === 'secrets/signing.key.json')) throw new CodeboltError('backup-invalid', `${archive} has no secrets/signing.key.json; it is not a complete Codebolt backup`);
  return manifest;
}

/** Checks an archive (as unpackBackup does) without restoring it; resolves with its manifest. */
export async function verifyBackup(archive: string): Promise<BackupManifest> {
  const scratch = join(dirname(resolve(archive)), `.${basename(archive)}.verify-${randomBytes(6).toString('hex')}`);
  try {
    return await unpackBackup(archive, scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export interface RestoreOptions {
  archive: string;
  /** The data dir to restore into: must not exist, or be empty. */
  dataDir: string;
  /** The master keyring the backup's secrets were encrypted with (master.key lines, or CODEBOLT_MASTER_KEY). */
  masterKeys: Buffer[];
  /** Also write these keys to `<dataDir>/master.key` (when the relay will read its key from the data dir). */
  writeMasterKeyFile: boolean;
}

/**
 * Restores an archive made by writeBackup into an empty or new data dir: checks it (unpackBackup),
 * checks the master key is the one the backup needs (and decrypts the signing key with it), then
 * moves the files into place and writes signing.key (and master.key when asked), all 0600.
 * The next relay start reattaches the environments whose resources still run.
 * Throws `conflict` (data dir not empty), `invalid-config` (wrong or missing master key),
 * `backup-invalid`, `data-version-unsupported`.
 */
export async function restoreBackup(options: RestoreOptions): Promise<BackupManifest> {
  const dataDir = resolve(options.dataDir);
  let existing: string[] = [];
  try {
    existing = await readdir(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (existing.length > 0) {
    throw new CodeboltError('conflict', `data dir ${dataDir} is not empty (${existing.slice(0, 3).join(', ')}…); restore only into an empty or new directory — move the old one away first`);
  }
  await mkdir(dirname(dataDir), { recursive: true });
  const scratch = join(dirname(dataDir), `.${basename(dataDir)}.restore-${randomBytes(6).toString('hex')}`);
  try {
    const manifest = await unpackBackup(options.archive, scratch);
    const cipher = new SecretCipher(options.masterKeys);
    const held = options.masterKeys.map(masterKeyId);
    if (!manifest.masterKeyIds.some((id) => held.includes(id))) {
      throw new CodeboltError(
        'invalid-config',
        `this backup's secrets need master key ${manifest.masterKeyIds.join(' or ')}, but the key given is ${held.join(', ')}; pass the master.key that was in use when the backup was taken (--master-key-file, or CODEBOLT_MASTER_KEY)`,
      );
    }
    const sealed = JSON.parse(await readFile(join(scratch, 'secrets', 'signing.key.json'), 'utf8')) as unknown;
    if (!isEncryptedValue(sealed)) throw new CodeboltError('backup-invalid', `${options.archive}: secrets/signing.key.json is not an encrypted value`);
    const signingKey = cipher.decrypt(sealed, SIGNING_KEY_CONTEXT);
    if (typeof signingKey !== 'string') throw new CodeboltError('backup-invalid', `${options.archive}: the signing key in the backup is not a string`);

    if (existing.length === 0) await rmdir(dataDir).catch(() => {});
    await rename(join(scratch, 'data'), dataDir);
    await chmod(dataDir, 0o700);
    await writeFile(join(dataDir, 'signing.key'), `${signingKey}\n`, { mode: 0o600 });
    if (options.writeMasterKeyFile) await writeFile(join(dataDir, 'master.key'), `${options.masterKeys.map((key) => key.toString('base64url')).join('\n')}\n`, { mode: 0o600 });
    return manifest;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
