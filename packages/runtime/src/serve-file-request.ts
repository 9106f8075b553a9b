import { CodeboltError, diffRequestSchema, fsListRequestSchema, fsReadRequestSchema, parseData } from '@codebolt/protocol';
import { diffWorkspace } from './handlers/diff.js';
import { listWorkspaceDirectory } from './handlers/fs-list.js';
import { readWorkspaceFile } from './handlers/fs-read.js';
import { ensureBaseline } from './workspace/baseline.js';
import { openWorkspace } from './workspace/confine-path.js';

/** Where a workspace and its runtime's state are: `CODEBOLT_WORKSPACE` and `CODEBOLT_RUNTIME_STATE_DIR` of its runtime. */
export interface WorkspaceLocation {
  workspace: string;
  stateDir: string;
}

/**
 * Answers an app's `fs.read`, `fs.list` or `diff` on a workspace exactly as the runtime would,
 * without a runtime: for providers that declare the `files` capability and serve a stopped
 * environment's files from disk. `diff` compares against the baseline the runtime made (or
 * makes it now, when the runtime never ran). Throws what the runtime's handlers throw
 * (`file-not-found`, `path-outside-workspace`, `bad-request`, `payload-too-large`).
 */
export async function serveFileRequest(location: WorkspaceLocation, type: 'fs.read' | 'fs.list' | 'diff', data: unknown, signal?: AbortSignal): Promise<unknown> {
  const workspace = await openWorkspace(location.workspace);
  switch (type) {
    case 'fs.read':
      return readWorkspaceFile(workspace, parseData(fsReadRequestSchema, data, 'fs.read data'));
    case 'fs.list':
      return listWorkspaceDirectory(workspace, parseData(fsListRequestSchema, data, 'fs.list data'));
    case 'diff': {
      const { directory } = await ensureBaseline(workspace.root, location.stateDir, signal);
      return diffWorkspace(workspace, directory, parseData(diffRequestSchema, data, 'diff data'), signal);
    }
    default:
      throw new CodeboltError('bad-request', `${String(type)} cannot be served without a runtime`);
  }
}
