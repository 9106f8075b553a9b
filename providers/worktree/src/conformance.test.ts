import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProviderConformance } from '@codebolt/provider/testing';
import { branchExists, makeRepository } from './test-support/repository.js';

runProviderConformance({
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  config: ({ home }) => ({ repo: makeRepository(join(home, 'repository')) }),
  invalidConfig: { config: { repo: 'relative/path' }, field: 'repo' },
  async resourceExists(_resourceId, { home, environmentId }) {
    return (
      existsSync(join(home, 'workspaces', environmentId)) ||
      existsSync(join(home, 'providers', 'worktree', environmentId)) ||
      branchExists(join(home, 'repository'), `codebolt/${environmentId}`)
    );
  },
});
