import { cp } from 'node:fs/promises';
import { defineConfig } from 'tsup';

// `store` is a second, small entry: the environment store alone, for the crash (kill -9) writer
// process of the store tests and the soak script, which start hundreds of processes.
export default defineConfig({
  entry: { index: 'src/index.ts', store: 'src/store/environment-store.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // The dashboard's static files ship beside the bundle (see src/dashboard/static-files.ts).
  onSuccess: () => cp('src/dashboard/assets', 'dist/assets', { recursive: true }),
});
