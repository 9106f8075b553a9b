import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CodeboltError } from '@codebolt/protocol';

/** A secret value at rest: AES-256-GCM under the master key, `v1:<iv>:<tag>:<ciphertext>` base64url. */
export interface EncryptedValue {
  $enc: string;
}

export function isEncryptedValue(value: unknown): value is EncryptedValue {
  return typeof value === 'object' && value !== null && typeof (value as EncryptedValue).$enc === 'string';
}

/** Encrypts and decrypts JSON values with a 32-byte master key. */
export class SecretCipher {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new CodeboltError('invalid-config', 'the master key must be 32 bytes (base64url); check CODEBOLT_MASTER_KEY or master.key');
    this.#key = key;
  }

  encrypt(value: unknown, context: string): EncryptedValue {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return { $enc: ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(':') };
  }

  decrypt(value: EncryptedValue, context: string): unknown {
    const [version, iv, tag, body] = value.$enc.split(':');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new CodeboltError('data-corrupt', 'an encrypted value has an unknown format');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      return JSON.parse(text);
    } catch (error) {
      throw new CodeboltError('data-corrupt', 'a secret could not be decrypted: the master key does not match the one it was encrypted with (check CODEBOLT_MASTER_KEY / master.key)', { cause: error });
    }
  }
}
