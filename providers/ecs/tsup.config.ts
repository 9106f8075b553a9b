import { defineConfig } from 'tsup';

export default defineConfig([{ entry: ['src/index.ts', 'src/main.ts'], format: ['esm'], dts: { entry: 'src/index.ts' }, sourcemap: true, target: 'node20' }]);
