import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretCipher, encryptedKeyId, masterKeyId } from './cipher.js';

const keyA = randomBytes(32);
const keyB = randomBytes(32);

function flipBit(text: string, partIndex: number): string {
  const parts = text.split(':');
  const bytes = Buffer.from(parts[partIndex]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[partIndex] = bytes.toString('base64url');
  return parts.join(':');
}

describe('secret cipher', () => {
  it('stores the key id beside the ciphertext and round-trips', () => {
    const cipher = new SecretCipher(keyA);
    const sealed = cipher.encrypt({ token: 'sk-live' }, 'env:e1:secretEnv');
    expect(encryptedKeyId(sealed)).toBe(masterKeyId(keyA));
    expect(sealed.$enc).not.toContain('sk-live');
    expect(cipher.decrypt(sealed, 'env:e1:secretEnv')).toEqual({ token: 'sk-live' });
  });

  it('rejects a bit flip in the iv, the tag or the ciphertext, and another context', () => {
    const cipher = new SecretCipher(keyA);
    const sealed = cipher.encrypt('secret', 'ctx');
    for (const part of [2, 3, 4]) expect(() => cipher.decrypt({ $enc: flipBit(sealed.$enc, part) }, 'ctx'), `part ${part}`).toThrow(/could not be decrypted/);
    expect(() => cipher.decrypt(sealed, 'other-ctx')).toThrow(/could not be decrypted/);
  });

  it('rejects a key-id swap, whether the other key is held or not', () => {
    const both = new SecretCipher([keyA, keyB]);
    const sealed = both.encrypt('secret', 'ctx');
    const swapped = { $enc: sealed.$enc.replace(masterKeyId(keyA), masterKeyId(keyB)) };
    expect(() => both.decrypt(swapped, 'ctx')).toThrow(/could not be decrypted/);
    const unknown = { $enc: sealed.$enc.replace(masterKeyId(keyA), '0123456789abcdef') };
    expect(() => both.decrypt(unknown, 'ctx')).toThrow(/does not hold/);
    expect(() => new SecretCipher(keyB).decrypt(sealed, 'ctx')).toThrow(/does not hold/);
  });

  it('re-encrypts under the current key after a rotation and forgets the old one', () => {
    const cipher = new SecretCipher(keyA);
    const old = cipher.encrypt('secret', 'ctx');
    cipher.addKey(keyB, true);
    const fresh = cipher.reencrypt(old, 'ctx');
    expect(encryptedKeyId(fresh)).toBe(masterKeyId(keyB));
    cipher.dropOldKeys();
    expect(cipher.keyIds).toEqual([masterKeyId(keyB)]);
    expect(cipher.decrypt(fresh, 'ctx')).toBe('secret');
    expect(() => cipher.decrypt(old, 'ctx')).toThrow(/does not hold/);
  });
});
