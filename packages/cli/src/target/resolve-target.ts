import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CliError } from '../cli-error.js';
import { resolveDataDir } from './data-dir.js';
import { readUserConfig, userConfigPath } from './user-config.js';

/** The address of a relay on this machine when nothing else is said. */
export const DEFAULT_SERVER = 'http://127.0.0.1:7420';

export interface TargetInputs {
  /** `--server`, `--token`, `--data-dir` as given on the command line. */
  flags: { server?: string | undefined; token?: string | undefined; dataDir?: string | undefined };
  env: NodeJS.ProcessEnv;
  cwd: string;
  homeDir: string;
}

/** Where a value came from, for messages (never the value of a token). */
export type TargetSource = 'flag' | 'env' | 'config-file' | 'data-dir' | 'default';

export interface Target {
  server: string;
  serverSource: TargetSource;
  token: string;
  tokenSource: TargetSource;
}

const relayFileSchema = z.object({ url: z.string().min(1) });

/**
 * Finds the relay and the credential, first match wins, separately for each:
 * server: `--server`, `CODEBOLT_SERVER`, the user config file, the `url` in `<dataDir>/relay.json`,
 * `http://127.0.0.1:7420`; token: `--token`, `CODEBOLT_TOKEN`, the user config file, and
 * `<dataDir>/admin.token` — the last only when the server is that local relay (its relay.json
 * URL, the default URL, or a loopback address), so a local admin token never goes elsewhere.
 * Throws CliError('unauthorized') when no token is found.
 */
export async function resolveTarget(inputs: TargetInputs): Promise<Target> {
  const dataDir = resolveDataDir(inputs.flags.dataDir, inputs.env, inputs.cwd);
  const configPath = userConfigPath(inputs.env, inputs.homeDir);
  const config = await readUserConfig(configPath);
  const localRelayUrl = await readRelayUrl(join(dataDir.path, 'relay.json'));

  let server: string;
  let serverSource: TargetSource;
  if (inputs.flags.server) [server, serverSource] = [inputs.flags.server, 'flag'];
  else if (inputs.env.CODEBOLT_SERVER) [server, serverSource] = [inputs.env.CODEBOLT_SERVER, 'env'];
  else if (config.server) [server, serverSource] = [config.server, 'config-file'];
  else if (localRelayUrl) [server, serverSource] = [localRelayUrl, 'data-dir'];
  else [server, serverSource] = [DEFAULT_SERVER, 'default'];

  if (inputs.flags.token) return { server, serverSource, token: inputs.flags.token, tokenSource: 'flag' };
  if (inputs.env.CODEBOLT_TOKEN) return { server, serverSource, token: inputs.env.CODEBOLT_TOKEN, tokenSource: 'env' };
  if (config.token) return { server, serverSource, token: config.token, tokenSource: 'config-file' };

  const adminTokenPath = join(dataDir.path, 'admin.token');
  if (isLocalRelay(server, localRelayUrl)) {
    const adminToken = await readOptionalFile(adminTokenPath);
    if (adminToken) return { server, serverSource, token: adminToken, tokenSource: 'data-dir' };
  }
  throw new CliError('unauthorized', `no token for the relay at ${server} (looked at --token, CODEBOLT_TOKEN, ${configPath} and ${join(dataDir.display, 'admin.token')})`, {
    fix: 'start a relay here with `pnpm codebolt serve`, or pass --token / set CODEBOLT_TOKEN',
  });
}

function isLocalRelay(server: string, localRelayUrl: string | undefined): boolean {
  const normalized = normalizeUrl(server);
  if (normalized === normalizeUrl(DEFAULT_SERVER) || (localRelayUrl && normalized === normalizeUrl(localRelayUrl))) return true;
  try {
    const host = new URL(server).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

function normalizeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
  } catch {
    return url;
  }
}

/** The URL in relay.json, or undefined when there is no such file or it holds no URL. */
async function readRelayUrl(path: string): Promise<string | undefined> {
  const text = await readOptionalFile(path);
  if (!text) return undefined;
  try {
    const parsed = relayFileSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.url : undefined;
  } catch {
    return undefined;
  }
}

async function readOptionalFile(path: string): Promise<string | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return text || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError('bad-request', `cannot read ${path}: ${(error as Error).message}`, { fix: 'check the permissions of the data dir', cause: error });
  }
}
