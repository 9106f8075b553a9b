import { defineConfig } from 'tsup';

export default defineConfig([
  { entry: ['src/index.ts', 'src/main.ts'], format: ['esm'], dts: { entry: 'src/index.ts' }, sourcemap: true, target: 'node20' },
  {
    entry: { 'runtime/runtime': 'src/runtime-bundle.ts' },
    format: ['esm'],
    outExtension: () => ({ js: '.mjs' }),
    target: 'node20',
    platform: 'node',
    noExternal: [/.*/],
    banner: { js: "import { createRequire as __codeboltCreateRequire } from 'node:module'; const require = __codeboltCreateRequire(import.meta.url);" },
  },
]);
