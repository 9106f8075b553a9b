import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProviderConformance } from '../../../dist/testing/index.js';

runProviderConformance({
  packageDir: fileURLToPath(new URL('.', import.meta.url)),
  invalidConfig: { config: { nope: 1 }, field: 'nope' },
  resourceExists: (_id, { home, environmentId }) => stat(join(home, 'leaky', environmentId)).then(() => true, () => false),
});
