import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { build } from 'tsup';

/**
 * Bundles a TypeScript entry (and everything it imports, dependencies included) into one ESM
 * file in a new temp dir, so a test can run the source as a real `node` child process.
 * Returns the file and the dir; the caller removes the dir.
 */
export async function bundleScript(entry: string): Promise<{ file: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'codebolt-bundle-'));
  const name = basename(entry).replace(/\.ts$/, '');
  await build({
    entry: { [name]: entry },
    outDir: dir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    noExternal: [/.*/],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    config: false,
    silent: true,
    dts: false,
    sourcemap: false,
    clean: false,
  });
  const output = (await readdir(dir)).find((file) => file === `${name}.js` || file === `${name}.mjs`);
  if (output === undefined) throw new Error(`bundling ${entry} wrote no ${name}.js into ${dir}`);
  return { file: join(dir, output), dir };
}
