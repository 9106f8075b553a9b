import { readFile } from 'node:fs/promises';
import { CodeboltError } from '@codebolt/protocol';
import { writeFileAtomic } from '../data-dir/atomic-file.js';
import { storageFailure } from '../data-dir/storage-failure.js';
import type { SecretCipher } from '../secrets/cipher.js';
import { isEncryptedValue } from '../secrets/cipher.js';
import type { ProviderDefinition } from './provider-registry.js';

interface ProviderConfigFile {
  schemaVersion: 1;
  providers: Record<string, { config: Record<string, unknown>; updatedAt: string }>;
}

/** Encrypts the secret fields of a config; `context` binds each ciphertext to its owner and field. */
export function encryptSecretFields(config: Record<string, unknown>, secretFields: string[], cipher: SecretCipher, context: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    out[key] = secretFields.includes(key) && !isEncryptedValue(value) ? cipher.encrypt(value, `${context}:${key}`) : value;
  }
  return out;
}

/** Re-encrypts every encrypted field under the cipher's current key; returns how many were re-encrypted. */
export function reencryptSecretFields(config: Record<string, unknown>, cipher: SecretCipher, context: string): number {
  let count = 0;
  for (const [key, value] of Object.entries(config)) {
    if (isEncryptedValue(value)) {
      config[key] = cipher.reencrypt(value, `${context}:${key}`);
      count++;
    }
  }
  return count;
}

export function decryptSecretFields(config: Record<string, unknown>, cipher: SecretCipher, context: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) out[key] = isEncryptedValue(value) ? cipher.decrypt(value, `${context}:${key}`) : value;
  return out;
}

/**
 * Relay-level provider config (operator defaults and shared credentials), in providers.json,
 * secret fields encrypted with the master key.
 */
export class ProviderConfigStore {
  #data: ProviderConfigFile = { schemaVersion: 1, providers: {} };
  /** Writes run one after another, each saving the data as it is when it runs. */
  #writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly cipher: SecretCipher,
  ) {}

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    try {
      const value = JSON.parse(text) as ProviderConfigFile;
      if (typeof value.providers !== 'object' || value.providers === null) throw new Error('no "providers" object');
      this.#data = value;
    } catch (error) {
      throw new CodeboltError('data-corrupt', `${this.path} is not a valid provider config file; it was left untouched. Fix or remove it`, { cause: error });
    }
  }

  /** The stored config, secrets still encrypted. */
  stored(name: string): Record<string, unknown> {
    return { ...(this.#data.providers[name]?.config ?? {}) };
  }

  /** The stored config, decrypted: only for handing to that provider's process. */
  decrypted(name: string): Record<string, unknown> {
    return decryptSecretFields(this.stored(name), this.cipher, `provider:${name}`);
  }

  /** Replaces the relay-level config of a provider (validated against its schema, no required fields). */
  async set(definition: ProviderDefinition, config: Record<string, unknown>): Promise<void> {
    definition.validatePartial({ ...definition.defaults, ...config }, 'config');
    const previous = this.#data.providers[definition.name];
    this.#data.providers[definition.name] = {
      config: encryptSecretFields(config, definition.secretFields, this.cipher, `provider:${definition.name}`),
      updatedAt: new Date().toISOString(),
    };
    try {
      await this.#save();
    } catch (error) {
      // The file kept the old config: so does memory, and the caller hears why (disk full, I/O error).
      if (previous) this.#data.providers[definition.name] = previous;
      else delete this.#data.providers[definition.name];
      throw storageFailure(this.path, error);
    }
  }

  /** Re-encrypts every stored secret under the cipher's current key and saves; returns how many. */
  async reencryptAll(): Promise<number> {
    let count = 0;
    for (const [name, entry] of Object.entries(this.#data.providers)) count += reencryptSecretFields(entry.config, this.cipher, `provider:${name}`);
    await this.#save();
    return count;
  }

  /** Runs `task` while no save is in progress or starts (saves queue behind it); for a consistent backup. */
  pauseWrites<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(task);
    this.#writes = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  #save(): Promise<void> {
    const run = this.#writes.then(() => writeFileAtomic(this.path, `${JSON.stringify(this.#data, null, 2)}\n`));
    this.#writes = run.catch(() => {});
    return run;
  }
}
