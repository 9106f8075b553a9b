import { randomBytes } from 'node:crypto';
import { CodeboltError } from '@codebolt/protocol';
import { writeFileAtomic } from '../data-dir/atomic-file.js';
import { reencryptSecretFields, type ProviderConfigStore } from '../providers/provider-config-store.js';
import type { EnvironmentStore } from '../store/environment-store.js';
import type { SecretCipher } from './cipher.js';

export interface MasterKeyRotationResult {
  previousKeyId: string;
  keyId: string;
  /** Secret values re-encrypted (environment records and relay-level provider config). */
  reencrypted: number;
}

export interface MasterKeyRotationDeps {
  cipher: SecretCipher;
  /** master.key; undefined when the key came from CODEBOLT_MASTER_KEY. */
  masterKeyPath: string | undefined;
  store: EnvironmentStore;
  providerConfig: ProviderConfigStore;
}

/**
 * Rotates the master key while the relay serves (`codebolt admin rotate-master-key`):
 * 1. a new key is generated and written to master.key ahead of the old one (both readable),
 *    and becomes the cipher's current key;
 * 2. every secret in environments.json and providers.json is re-encrypted under it;
 * 3. master.key is rewritten with the new key only and the old one is forgotten.
 * A crash between steps leaves both keys in master.key, so every secret stays readable and the
 * next rotation finishes the job. Rotations never overlap. Throws CodeboltError `invalid-config`
 * when the key comes from CODEBOLT_MASTER_KEY (it cannot be rewritten from here).
 */
export class MasterKeyRotation {
  #running: Promise<MasterKeyRotationResult> | undefined;

  constructor(private readonly deps: MasterKeyRotationDeps) {}

  rotate(): Promise<MasterKeyRotationResult> {
    this.#running ??= this.#rotate().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #rotate(): Promise<MasterKeyRotationResult> {
    const { cipher, masterKeyPath, store, providerConfig } = this.deps;
    if (!masterKeyPath) {
      throw new CodeboltError('invalid-config', 'the master key comes from CODEBOLT_MASTER_KEY, which the relay cannot rewrite; unset it to keep the key in <data dir>/master.key, then rotate');
    }
    const previousKeyId = cipher.currentKeyId;
    const next = randomBytes(32);
    const saveKeyring = (keys: Buffer[]) => writeFileAtomic(masterKeyPath, `${keys.map((key) => key.toString('base64url')).join('\n')}\n`, 0o600);
    await saveKeyring([next, ...cipher.keys()]);
    const keyId = cipher.addKey(next, true);
    let reencrypted = await store.updateEach((record) => reencryptSecretFields(record.config, cipher, `env:${record.id}`));
    reencrypted += await providerConfig.reencryptAll();
    cipher.dropOldKeys();
    await saveKeyring(cipher.keys());
    return { previousKeyId, keyId, reencrypted };
  }
}
