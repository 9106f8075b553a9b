import { randomBytes } from 'node:crypto';
import { chmod, readFile, stat } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-file.js';

/**
 * Reads a secret file, or creates it (mode 0600) with `create()` when it does not exist.
 * A file readable by others is tightened to 0600. Returns the content and whether it was created.
 */
export async function readOrCreateSecretFile(path: string, create: () => string | Promise<string>): Promise<{ value: string; created: boolean }> {
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) await chmod(path, 0o600);
    return { value: (await readFile(path, 'utf8')).trim(), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const value = await create();
  await writeFileAtomic(path, `${value}\n`, 0o600);
  return { value, created: true };
}

export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
