import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProviderConformance } from '@codebolt/provider/testing';

runProviderConformance({
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  invalidConfig: { config: { greeting: 42 }, field: 'greeting' },
  // Asks the backend (the file system), not the provider, whether anything is left.
  resourceExists: (_resourceId, { home, environmentId }) => stat(join(home, 'scratch', environmentId)).then(() => true, () => false),
});
