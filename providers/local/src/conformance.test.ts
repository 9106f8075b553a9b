import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProviderConformance } from '@codebolt/provider/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** True while anything of the environment is on disk: its workspace or its state dir. */
async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

runProviderConformance({
  packageDir,
  invalidConfig: { config: { env: { GREETING: 42 } }, field: 'env' },
  async resourceExists(_resourceId, { home, environmentId }) {
    return (await exists(join(home, 'workspaces', environmentId))) || (await exists(join(home, 'providers', 'local', environmentId)));
  },
});
