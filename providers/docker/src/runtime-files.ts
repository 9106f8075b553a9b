import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the runtime lives inside every container. */
export const RUNTIME_DIR = '/opt/codebolt';
/** The program the provider runs (with `docker exec`) to start the runtime. */
export const RUNTIME_START = `${RUNTIME_DIR}/start.mjs`;
/** The volume's mount point; the workspace and the runtime's state live in it, so they survive stop/start. */
export const VOLUME_ROOT = '/codebolt';
export const WORKSPACE = `${VOLUME_ROOT}/workspace`;
export const RUNTIME_STATE_DIR = `${VOLUME_ROOT}/state`;

/** Makes the workspace and state dirs (a fresh volume is empty), then runs the bundled runtime. */
const START_SCRIPT = `import { mkdirSync } from 'node:fs';
for (const dir of [process.env.CODEBOLT_WORKSPACE, process.env.CODEBOLT_RUNTIME_STATE_DIR]) mkdirSync(dir, { recursive: true });
process.chdir(process.env.CODEBOLT_WORKSPACE);
await import('./runtime.mjs');
`;

/** The runtime bundled into one file by this package's build (`dist/runtime/runtime.mjs`; from src/ and dist/ alike). */
export function runtimeBundlePath(): string {
  return fileURLToPath(new URL('../dist/runtime/runtime.mjs', import.meta.url));
}

/**
 * A tar archive (for `putArchive` at `/`) holding `opt/codebolt/runtime.mjs` and `start.mjs`.
 * Copying the runtime into the container (rather than bind-mounting it) works with any image
 * that has node, and with a remote engine.
 */
export async function runtimeArchive(bundle = runtimeBundlePath()): Promise<Buffer> {
  const work = await mkdtemp(join(tmpdir(), 'codebolt-runtime-files-'));
  try {
    const dir = join(work, RUNTIME_DIR);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'runtime.mjs'), await readFile(bundle));
    await writeFile(join(dir, 'start.mjs'), START_SCRIPT);
    const { stdout } = await run('tar', ['-C', work, '-c', RUNTIME_DIR.slice(1)], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
