// Bundles src/page.js and @codebolt/sdk for the browser into dist/app.js with esbuild (no Vite:
// one esbuild call is all this page needs). Run: pnpm --filter @codebolt/example-hosted-app build
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Writes dist/app.js (minified, with a source map) and returns its path. */
export async function buildPage() {
  const outfile = join(ROOT, 'dist/app.js');
  await build({ entryPoints: [join(ROOT, 'src/page.js')], bundle: true, minify: true, sourcemap: true, format: 'esm', platform: 'browser', target: 'es2022', outfile, logLevel: 'warning' });
  return outfile;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(`wrote ${await buildPage()}`);
