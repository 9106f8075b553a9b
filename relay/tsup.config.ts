import { cp } from 'node:fs/promises';
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // The dashboard's static files ship beside the bundle (see src/dashboard/static-files.ts).
  onSuccess: () => cp('src/dashboard/assets', 'dist/assets', { recursive: true }),
});
