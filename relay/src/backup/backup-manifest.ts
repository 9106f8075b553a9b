import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';

/** The archive format this relay writes; it restores this version and older ones. */
export const BACKUP_FORMAT_VERSION = 1;

/** `secrets/signing.key.json` in an archive: the token signing key, encrypted with the master key under this context. */
export const SIGNING_KEY_CONTEXT = 'backup:signing.key';

/**
 * `manifest.json`, the first thing checked in an archive. Every regular file under `data/` and
 * `secrets/` is listed with its size and SHA-256; symlinks (in workspaces) with their target.
 * The master key is never in an archive; `masterKeyIds` names the key(s) the secrets need.
 */
export const backupManifestSchema = z.object({
  format: z.literal('codebolt-backup'),
  formatVersion: z.number().int().positive(),
  relayVersion: z.string(),
  createdAt: z.string(),
  installationId: z.string(),
  storeSchemaVersion: z.number().int(),
  masterKeyIds: z.array(z.string()),
  workspaces: z.boolean(),
  files: z.array(z.object({ path: z.string(), bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
  links: z.array(z.object({ path: z.string(), target: z.string() })),
});
export type BackupManifest = z.infer<typeof backupManifestSchema>;

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every regular file and symlink under `root/dirs`, as archive paths (forward slashes), sorted. */
export async function listTree(root: string, dirs: string[]): Promise<{ files: BackupManifest['files']; links: BackupManifest['links']; other: string[] }> {
  const files: BackupManifest['files'] = [];
  const links: BackupManifest['links'] = [];
  const other: string[] = [];
  const walk = async (path: string): Promise<void> => {
    const info = await lstat(path);
    const name = relative(root, path).split(sep).join('/');
    if (info.isDirectory()) {
      for (const entry of (await readdir(path)).sort()) await walk(join(path, entry));
    } else if (info.isSymbolicLink()) links.push({ path: name, target: await readlink(path) });
    else if (info.isFile()) files.push({ path: name, bytes: info.size, sha256: await sha256File(path) });
    else other.push(name);
  };
  for (const dir of dirs) {
    try {
      await lstat(join(root, dir));
    } catch {
      continue;
    }
    await walk(join(root, dir));
  }
  return { files, links, other };
}
