import { resolve } from 'node:path';

/** The data dir of a relay on this machine when nothing else is said. */
export const DEFAULT_DATA_DIR = './.codebolt';

/**
 * The data dir: `--data-dir`, else `CODEBOLT_HOME`, else `./.codebolt`. `display` is what the
 * user gave (for messages), `path` the absolute path.
 */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): { display: string; path: string } {
  const display = flag || env.CODEBOLT_HOME || DEFAULT_DATA_DIR;
  return { display, path: resolve(cwd, display) };
}
