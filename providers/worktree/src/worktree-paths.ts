import { join } from 'node:path';
import { CodeboltError } from '@codebolt/protocol';
import { isSafeEnvironmentId, type RuntimePaths } from '@codebolt/provider-local';

const RESOURCE_ID_PREFIX = 'worktree-';

export interface WorktreePaths extends RuntimePaths {
  environmentId: string;
  /** `<home>/providers/worktree/<envId>`: this provider's state for the resource. */
  stateDir: string;
  /** `<stateDir>/resource.json`: `{ environmentId, creationToken, repo, branch, keepBranch, createdAt }`. */
  resourceFile: string;
}

/** `<home>/providers/worktree`: one directory per resource. */
export function stateRoot(home: string): string {
  return join(home, 'providers', 'worktree');
}

export function resourceIdFor(environmentId: string): string {
  return `${RESOURCE_ID_PREFIX}${environmentId}`;
}

/** The paths of environment `environmentId`: the worktree is `<home>/workspaces/<envId>`. Throws `bad-request` for an id that is not one path segment. */
export function pathsForEnvironment(home: string, environmentId: string): WorktreePaths {
  if (!isSafeEnvironmentId(environmentId)) {
    throw new CodeboltError('bad-request', `environment id "${environmentId.slice(0, 200)}" cannot name a directory; ids use letters, digits, ".", "_" and "-"`);
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

/** The paths of resource `worktree-<envId>`; throws `bad-request` for an id this provider did not make. */
export function pathsForResource(home: string, resourceId: string): WorktreePaths {
  if (!resourceId.startsWith(RESOURCE_ID_PREFIX)) {
    throw new CodeboltError('bad-request', `resource id "${resourceId.slice(0, 200)}" was not made by the worktree provider (expected worktree-<environment id>)`);
  }
  return pathsForEnvironment(home, resourceId.slice(RESOURCE_ID_PREFIX.length));
}
