import { join } from 'node:path';
import { CodeboltError } from '@codebolt/protocol';

const RESOURCE_ID_PREFIX = 'local-';
const SAFE_ENVIRONMENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

/** Where one local resource lives under the data dir (`home`). All paths are absolute. */
export interface LocalResourcePaths {
  environmentId: string;
  /** `<home>/workspaces/<envId>`: the runtime's workspace root. */
  workspace: string;
  /** `<home>/providers/local/<envId>`: this provider's state for the resource. */
  stateDir: string;
  /** `<stateDir>/resource.json`: `{ environmentId, creationToken, createdAt }`. */
  resourceFile: string;
  /** `<stateDir>/runtime.json`: `{ pid, startTime, instance }` of the launched runtime. */
  runtimeFile: string;
  /** `<stateDir>/runtime-state`: the runtime's own state (`CODEBOLT_RUNTIME_STATE_DIR`). */
  runtimeStateDir: string;
  /** `<home>/logs/<envId>/provider.log`: where the runtime's stdout and stderr go. */
  logFile: string;
}

/** `<home>/providers/local`: one directory per resource. */
export function stateRoot(home: string): string {
  return join(home, 'providers', 'local');
}

export function isSafeEnvironmentId(environmentId: string): boolean {
  return SAFE_ENVIRONMENT_ID.test(environmentId) && environmentId !== '.' && environmentId !== '..';
}

export function resourceIdFor(environmentId: string): string {
  return `${RESOURCE_ID_PREFIX}${environmentId}`;
}

/** The paths of environment `environmentId`; throws `bad-request` for an id that is not one path segment. */
export function pathsForEnvironment(home: string, environmentId: string): LocalResourcePaths {
  if (!isSafeEnvironmentId(environmentId)) {
    throw new CodeboltError(
      'bad-request',
      `environment id "${environmentId.slice(0, 200)}" cannot name a directory; ids use letters, digits, ".", "_" and "-"`,
    );
  }
  const stateDir = join(stateRoot(home), environmentId);
  return {
    environmentId,
    workspace: join(home, 'workspaces', environmentId),
    stateDir,
    resourceFile: join(stateDir, 'resource.json'),
    runtimeFile: join(stateDir, 'runtime.json'),
    runtimeStateDir: join(stateDir, 'runtime-state'),
    logFile: join(home, 'logs', environmentId, 'provider.log'),
  };
}

/** The paths of resource `local-<envId>`; throws `bad-request` for an id this provider did not make. */
export function pathsForResource(home: string, resourceId: string): LocalResourcePaths {
  if (!resourceId.startsWith(RESOURCE_ID_PREFIX)) {
    throw new CodeboltError('bad-request', `resource id "${resourceId.slice(0, 200)}" was not made by the local provider (expected local-<environment id>)`);
  }
  return pathsForEnvironment(home, resourceId.slice(RESOURCE_ID_PREFIX.length));
}
