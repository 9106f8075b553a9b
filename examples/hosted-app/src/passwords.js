// Password hashing with node:crypto scrypt. A stored hash is "scrypt$<salt base64>$<key base64>".
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt);
const KEY_BYTES = 32;

/** Hashes `password` with a fresh 16-byte salt. */
export async function hashPassword(password) {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEY_BYTES);
  return `scrypt$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when `password` matches `stored` (constant-time compare); false for a malformed hash. */
export async function verifyPassword(password, stored) {
  const [scheme, salt, key] = String(stored).split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length);
  return expected.length === KEY_BYTES && timingSafeEqual(expected, actual);
}

// `node src/passwords.js <password>` prints a hash for users.json.
if (import.meta.url === `file://${process.argv[1]}`) {
  if (!process.argv[2]) {
    console.error('usage: node src/passwords.js <password>');
    process.exit(2);
  }
  console.log(await hashPassword(process.argv[2]));
}
