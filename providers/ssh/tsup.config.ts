import { defineConfig } from 'tsup';

/** The two programs the provider uploads to the remote host: every dependency inlined, plain Node 20. */
const remoteProgram = {
  format: ['esm'] as const,
  outExtension: () => ({ js: '.mjs' }),
  target: 'node20',
  platform: 'node' as const,
  noExternal: [/.*/],
  // One self-contained file each: no chunk shared between them.
  splitting: false,
  banner: { js: "import { createRequire as __codeboltCreateRequire } from 'node:module'; const require = __codeboltCreateRequire(import.meta.url);" },
};

export default defineConfig([
  { entry: ['src/index.ts', 'src/main.ts', 'src/testing.ts'], format: ['esm'], dts: { entry: ['src/index.ts', 'src/testing.ts'] }, sourcemap: true, target: 'node20' },
  { entry: { 'remote/runtime': 'src/remote/runtime-bundle.ts', 'remote/control': 'src/remote/control.ts' }, ...remoteProgram },
]);
