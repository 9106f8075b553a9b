import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describeZodError } from '@codebolt/protocol';
import { z } from 'zod';
import { CliError } from '../cli-error.js';

/** The user config file's content: where the CLI finds its relay and credential. */
export const userConfigSchema = z.object({ server: z.string().min(1).optional(), token: z.string().min(1).optional() }).strict();
export type UserConfig = z.infer<typeof userConfigSchema>;

/** `$XDG_CONFIG_HOME/codebolt/config.json`, else `~/.config/codebolt/config.json`. */
export function userConfigPath(env: NodeJS.ProcessEnv, homeDir: string): string {
  const base = env.XDG_CONFIG_HOME || join(homeDir, '.config');
  return join(base, 'codebolt', 'config.json');
}

/** Reads the config file; `{}` when it does not exist. Throws CliError('bad-request') when it is invalid. */
export async function readUserConfig(path: string): Promise<UserConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError('bad-request', `cannot read the config file ${path}: ${(error as Error).message}`, { fix: `fix its permissions or delete it`, cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError('bad-request', `the config file ${path} is not valid JSON`, { fix: 'fix it by hand, or delete it and run `codebolt config set …` again', cause: error });
  }
  const parsed = userConfigSchema.safeParse(value);
  if (!parsed.success) {
    throw new CliError('bad-request', `the config file ${path} is invalid: ${describeZodError(parsed.error)}`, {
      fix: 'it may hold only "server" and "token"; fix it by hand or delete it',
    });
  }
  return parsed.data;
}

/**
 * Sets one key and writes the file atomically (temp file + rename) with mode 0600, creating the
 * directory with mode 0700. The token is stored in plain text, readable only by the user.
 */
export async function updateUserConfig(path: string, changes: UserConfig): Promise<UserConfig> {
  const next = { ...(await readUserConfig(path)), ...changes };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
  return next;
}
