import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { CodeboltError } from '@codebolt/protocol';
import { loadInstallationId } from '../data-dir/installation.js';
import { acquireLock } from '../data-dir/lock.js';
import { ProviderConfigStore } from '../providers/provider-config-store.js';
import { SecretCipher } from '../secrets/cipher.js';
import { EnvironmentStore } from '../store/environment-store.js';
import type { BackupManifest } from './backup-manifest.js';
import { type BackupOptions, writeBackup } from './create-backup.js';

/**
 * Backs up the data dir of a relay that is not running (`codebolt admin backup --offline`): takes
 * the data dir lock (so no relay starts meanwhile), loads the state as a relay would, and writes
 * the same archive as `POST /v1/admin/backup`. The master key comes from `masterKey` (the value
 * of CODEBOLT_MASTER_KEY) or `<dataDir>/master.key`; it is needed to seal the signing key.
 * Throws `data-dir-locked` while a relay runs on it (use the online backup then), `invalid-config`
 * without a master key, and what loading the state throws.
 */
export async function writeOfflineBackup(dataDir: string, options: BackupOptions, output: Writable, masterKey?: string): Promise<BackupManifest> {
  const lock = await acquireLock(join(dataDir, 'relay.lock'));
  try {
    let text = masterKey;
    if (text === undefined) {
      try {
        text = await readFile(join(dataDir, 'master.key'), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        throw new CodeboltError('invalid-config', `no ${join(dataDir, 'master.key')}: set CODEBOLT_MASTER_KEY to the relay's master key for an offline backup`);
      }
    }
    const keys = text
      .trim()
      .split('\n')
      .map((line) => Buffer.from(line.trim(), 'base64url'));
    if (keys.some((key) => key.length !== 32)) throw new CodeboltError('invalid-config', 'the master key is not 32 bytes of base64url per line');
    const cipher = new SecretCipher(keys);
    const store = new EnvironmentStore(join(dataDir, 'environments.json'));
    await store.load();
    const providerConfig = new ProviderConfigStore(join(dataDir, 'providers.json'), cipher);
    await providerConfig.load();
    const installationId = await loadInstallationId(dataDir);
    return await writeBackup({ dataDir, installationId, store, providerConfig, cipher }, options, output);
  } finally {
    await lock.release();
  }
}
