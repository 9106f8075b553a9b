import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CodeboltError, describeZodError } from '@codebolt/protocol';
import { writeFileAtomic } from './atomic-file.js';

const installationSchema = z.object({ installationId: z.string().regex(/^[a-z0-9-]{8,64}$/) });

/**
 * This relay installation's id: random, made on first boot and kept in `<dataDir>/installation.json`.
 * Providers receive it as `CODEBOLT_INSTALLATION_ID` and tag their resources with it, so two relays
 * sharing one backend (a Docker engine) never list or reap each other's resources. Not a secret.
 * Throws `data-corrupt` when the file exists but cannot be read.
 */
export async function loadInstallationId(dataDir: string): Promise<string> {
  const path = join(dataDir, 'installation.json');
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const installationId = `cb-${randomBytes(8).toString('hex')}`;
    await writeFileAtomic(path, `${JSON.stringify({ installationId })}\n`, 0o644);
    return installationId;
  }
  let parsed: z.ZodSafeParseResult<{ installationId: string }>;
  try {
    parsed = installationSchema.safeParse(JSON.parse(raw));
  } catch {
    throw new CodeboltError('data-corrupt', `${path} is not valid JSON; restore it from a backup (it names the resources this relay owns)`);
  }
  if (!parsed.success) throw new CodeboltError('data-corrupt', `${path} is invalid (${describeZodError(parsed.error)}); restore it from a backup`);
  return parsed.data.installationId;
}
