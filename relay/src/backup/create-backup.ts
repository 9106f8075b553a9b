import { copyFileSync, cpSync, existsSync, lstatSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { create as createTar } from 'tar';
import { readFile } from 'node:fs/promises';
import type { ProviderConfigStore } from '../providers/provider-config-store.js';
import type { SecretCipher } from '../secrets/cipher.js';
import type { EnvironmentStore } from '../store/environment-store.js';
import { STORE_SCHEMA_VERSION } from '../store/store-migrations.js';
import { RELAY_VERSION } from '../version.js';
import { BACKUP_FORMAT_VERSION, type BackupManifest, SIGNING_KEY_CONTEXT, listTree } from './backup-manifest.js';

export interface BackupSources {
  dataDir: string;
  installationId: string;
  store: EnvironmentStore;
  providerConfig: ProviderConfigStore;
  cipher: SecretCipher;
}

export interface BackupOptions {
  /** Include `<dataDir>/workspaces` (the local and worktree providers' workspaces). Default true. */
  workspaces?: boolean;
}

/** Small state files copied while writes are paused, so they agree with each other. */
const STATE_FILES = ['environments.json', 'providers.json', 'installation.json', 'audit.log', 'audit.head'];

/**
 * Writes a backup archive (tar.gz) of a live data dir to `output`:
 * - while environment and provider-config commits are paused (a few milliseconds: synchronous
 *   copies, so no audit append interleaves either): environments.json, providers.json,
 *   installation.json, audit.log (and audit.head) and the providers' per-resource state (`providers/`);
 * - then, with writes flowing again, the workspaces (`workspaces/`, unless `workspaces: false`):
 *   copied file by file, not a point-in-time image of a workspace a process is writing to;
 * - the token signing key, encrypted with the master key (`secrets/signing.key.json`), so restored
 *   runtimes' tokens keep verifying; never the master key itself, nor admin.token;
 * - `manifest.json`: format and relay version, the master key ids, and a SHA-256 of every file.
 * Staging happens in `<dataDir>/.backup-<random>` (removed afterwards). Resolves with the manifest
 * once the archive is fully written; rejects (and leaves `output` incomplete) on any failure.
 */
export async function writeBackup(sources: BackupSources, options: BackupOptions, output: Writable): Promise<BackupManifest> {
  const { dataDir } = sources;
  const staging = await mkdtemp(join(dataDir, '.backup-'));
  try {
    const data = join(staging, 'data');
    await mkdir(data, { mode: 0o700 });
    await sources.store.pauseWrites(() =>
      sources.providerConfig.pauseWrites(async () => {
        for (const name of STATE_FILES) if (existsSync(join(dataDir, name))) copyFileSync(join(dataDir, name), join(data, name));
        if (existsSync(join(dataDir, 'providers'))) cpSync(join(dataDir, 'providers'), join(data, 'providers'), { recursive: true, verbatimSymlinks: true, filter: copyable });
      }),
    );
    const workspaces = options.workspaces !== false;
    if (workspaces && existsSync(join(dataDir, 'workspaces'))) {
      await cp(join(dataDir, 'workspaces'), join(data, 'workspaces'), { recursive: true, verbatimSymlinks: true, filter: copyable });
    }
    await mkdir(join(staging, 'secrets'), { mode: 0o700 });
    const signingKey = (await readFile(join(dataDir, 'signing.key'), 'utf8')).trim();
    await writeFile(join(staging, 'secrets', 'signing.key.json'), `${JSON.stringify(sources.cipher.encrypt(signingKey, SIGNING_KEY_CONTEXT))}\n`, { mode: 0o600 });

    const tree = await listTree(staging, ['data', 'secrets']);
    const manifest: BackupManifest = {
      format: 'codebolt-backup',
      formatVersion: BACKUP_FORMAT_VERSION,
      relayVersion: RELAY_VERSION,
      createdAt: new Date().toISOString(),
      installationId: sources.installationId,
      storeSchemaVersion: STORE_SCHEMA_VERSION,
      masterKeyIds: [sources.cipher.currentKeyId],
      workspaces,
      files: tree.files,
      links: tree.links,
    };
    await writeFile(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await pipeline(createTar({ gzip: true, cwd: staging, portable: true }, ['manifest.json', 'data', 'secrets']), output);
    return manifest;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Files, directories and symlinks are copied; sockets and FIFOs (a runtime's) are not. */
function copyable(source: string): boolean {
  try {
    const info = lstatSync(source);
    return info.isFile() || info.isDirectory() || info.isSymbolicLink();
  } catch {
    return false; // vanished while copying
  }
}
