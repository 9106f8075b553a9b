import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { CodeboltError } from '@codebolt/protocol';

/**
 * A secret value at rest: AES-256-GCM under a master key,
 * `v2:<keyId>:<iv>:<tag>:<ciphertext>` (base64url parts). The key id is stored beside the
 * ciphertext and is part of the authenticated data, so swapping it is detected. `v1:<iv>:<tag>:<ct>`
 * (no key id, from before key ids) is still read with the current key.
 */
export interface EncryptedValue {
  $enc: string;
}

export function isEncryptedValue(value: unknown): value is EncryptedValue {
  return typeof value === 'object' && value !== null && typeof (value as EncryptedValue).$enc === 'string';
}

/** A master key's id: 16 hex chars of SHA-256 over a label and the key (reveals nothing of the key). */
export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update('codebolt-master-key-id\0').update(key).digest('hex').slice(0, 16);
}

/** The key id an encrypted value was sealed under (`undefined` for the legacy v1 format). */
export function encryptedKeyId(value: EncryptedValue): string | undefined {
  const [version, keyId] = value.$enc.split(':');
  return version === 'v2' ? keyId : undefined;
}

/**
 * Encrypts and decrypts JSON values with a keyring of 32-byte master keys: the first is current
 * (encrypts), the others only decrypt (during a rotation). Every failure is CodeboltError
 * `data-corrupt` with no secret in its message.
 */
export class SecretCipher {
  #keys = new Map<string, Buffer>();
  #currentId = '';

  constructor(keys: Buffer | Buffer[]) {
    const list = Array.isArray(keys) ? keys : [keys];
    if (list.length === 0) throw new CodeboltError('invalid-config', 'no master key');
    for (const key of list) this.addKey(key);
    this.#currentId = masterKeyId(list[0]!);
  }

  get currentKeyId(): string {
    return this.#currentId;
  }

  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** Adds a key to the ring; with `current` it encrypts from now on. */
  addKey(key: Buffer, current = false): string {
    if (key.length !== 32) throw new CodeboltError('invalid-config', 'the master key must be 32 bytes (base64url); check CODEBOLT_MASTER_KEY or master.key');
    const id = masterKeyId(key);
    this.#keys.set(id, key);
    if (current) this.#currentId = id;
    return id;
  }

  /** Forgets every key but the current one. */
  dropOldKeys(): void {
    for (const id of this.#keys.keys()) if (id !== this.#currentId) this.#keys.delete(id);
  }

  /** The current key (for writing the keyring file). */
  keys(): Buffer[] {
    const current = this.#keys.get(this.#currentId)!;
    return [current, ...[...this.#keys.entries()].filter(([id]) => id !== this.#currentId).map(([, key]) => key)];
  }

  encrypt(value: unknown, context: string): EncryptedValue {
    const keyId = this.#currentId;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(keyId)!, iv);
    cipher.setAAD(Buffer.from(`${context}\0${keyId}`));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return { $enc: ['v2', keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(':') };
  }

  decrypt(value: EncryptedValue, context: string): unknown {
    const parts = value.$enc.split(':');
    let key: Buffer | undefined;
    let aad: string;
    let iv: string | undefined;
    let tag: string | undefined;
    let body: string | undefined;
    if (parts[0] === 'v2' && parts.length === 5) {
      const keyId = parts[1]!;
      key = this.#keys.get(keyId);
      if (!key) throw new CodeboltError('data-corrupt', `a secret is encrypted under master key ${keyId.slice(0, 16)}, which this relay does not hold; restore that key (master.key or CODEBOLT_MASTER_KEY) from a backup`);
      aad = `${context}\0${keyId}`;
      [, , iv, tag, body] = parts;
    } else if (parts[0] === 'v1' && parts.length === 4) {
      key = this.#keys.get(this.#currentId)!;
      aad = context;
      [, iv, tag, body] = parts;
    } else {
      throw new CodeboltError('data-corrupt', 'an encrypted value has an unknown format');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv!, 'base64url'));
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(Buffer.from(tag!, 'base64url'));
      const text = Buffer.concat([decipher.update(Buffer.from(body!, 'base64url')), decipher.final()]).toString('utf8');
      return JSON.parse(text);
    } catch (error) {
      throw new CodeboltError('data-corrupt', 'a secret could not be decrypted: it was altered, or the master key does not match the one it was encrypted with (check CODEBOLT_MASTER_KEY / master.key)', { cause: error });
    }
  }

  /** Decrypts under whatever key sealed it and encrypts again under the current key. */
  reencrypt(value: EncryptedValue, context: string): EncryptedValue {
    return this.encrypt(this.decrypt(value, context), context);
  }
}
