import { CodeboltError } from '@codebolt/protocol';
import { isPlainRemotePath, SAFE_SEGMENT } from './remote/control-protocol.js';

/** Where a resource lives: the host it is on and its environment dir there. */
export interface SshResource {
  user: string;
  host: string;
  port: number;
  /** `<workdir>/installations/<installationId>/<environmentId>` on the host. */
  envDir: string;
  environmentId: string;
}

/** `<workdir>/installations/<installationId>`: the environment dirs of one relay installation. */
export function installationDir(workdir: string, installationId: string): string {
  return `${workdir}/installations/${installationId}`;
}

/**
 * The resource id: `ssh://<user>@<host>:<port><envDir>`. It names the host and the environment
 * dir; which process is the runtime (pid + start time) is recorded in `<envDir>/runtime.json` on
 * the host, because a start replaces the process but never the resource id.
 */
export function formatResourceId(resource: Omit<SshResource, 'environmentId'>): string {
  const host = resource.host.includes(':') ? `[${resource.host}]` : resource.host;
  return `ssh://${resource.user}@${host}:${resource.port}${resource.envDir}`;
}

/**
 * Parses a resource id this provider made for installation `installationId`. Throws
 * `bad-request` for anything else — another scheme, an environment dir outside
 * `…/installations/<installationId>/`, a path with `..` — so that no verb ever acts on a
 * directory it did not make.
 */
export function parseResourceId(resourceId: string, installationId: string): SshResource {
  const refuse = (why: string): CodeboltError =>
    new CodeboltError('bad-request', `resource id "${resourceId.slice(0, 300)}" was not made by the SSH provider of this installation (${why}); expected ssh://user@host:port/<workdir>/installations/${installationId}/<environment id>`);
  let url: URL;
  try {
    url = new URL(resourceId);
  } catch {
    throw refuse('not a URL');
  }
  if (url.protocol !== 'ssh:' || url.username === '' || url.password !== '' || url.search !== '' || url.hash !== '') throw refuse('not ssh://user@host');
  const port = Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw refuse('no port');
  // The path as written, not as URL parsing normalised it (which would resolve `..`).
  const envDir = resourceId.slice(resourceId.indexOf('/', 'ssh://'.length));
  if (!isPlainRemotePath(envDir) || envDir !== url.pathname) throw refuse('not a plain absolute path');
  const segments = envDir.split('/');
  const environmentId = segments.at(-1)!;
  if (segments.at(-2) !== installationId || segments.at(-3) !== 'installations' || !SAFE_SEGMENT.test(environmentId)) {
    throw refuse(`not under installations/${installationId}/`);
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { user: decodeURIComponent(url.username), host, port, envDir, environmentId };
}
