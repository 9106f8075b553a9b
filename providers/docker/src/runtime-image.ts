import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';

const run = promisify(execFile);

/** Repository of the images this provider builds. */
export const RUNTIME_IMAGE_REPOSITORY = 'codebolt-runtime';
/** Programs copied into the default image besides node (when the host has them). */
const TOOLS = ['sh', 'cat', 'ls', 'mkdir', 'rm', 'cp', 'mv', 'env', 'sleep', 'true', 'false', 'grep', 'sed', 'head', 'tail', 'wc', 'touch', 'find', 'sort', 'uname', 'id'];
const TOOL_DIRS = ['/usr/bin', '/bin'];

/**
 * The default runtime image, made from what is installed because no registry may be reachable:
 * a root filesystem holding this Node binary at /usr/local/bin/node, a few shell tools (sh, cat,
 * ls, …) in /bin, the shared libraries they load (found with `ldd`) at their host paths, and
 * /tmp — imported with `docker import` as `codebolt-runtime:<hash>`. The hash covers the Node
 * binary and the tool list, so an upgrade of Node builds a new image and an existing one is
 * reused. The runtime program itself is not in the image: the provider copies it into each
 * container. Linux hosts with glibc only (ldd).
 */
export async function ensureRuntimeImage(docker: Docker): Promise<string> {
  const node = await realpath(process.execPath);
  const info = await stat(node);
  const tag = createHash('sha256').update(`${node}\0${info.size}\0${info.mtimeMs}\0${process.version}\0${TOOLS.join(',')}`).digest('hex').slice(0, 16);
  const image = `${RUNTIME_IMAGE_REPOSITORY}:${tag}`;
  try {
    await docker.getImage(image).inspect();
    return image;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  const work = await mkdtemp(join(tmpdir(), 'codebolt-runtime-image-'));
  try {
    const rootfs = join(work, 'rootfs');
    const binaries = new Map<string, string>([[node, join(rootfs, 'usr/local/bin/node')]]);
    for (const tool of TOOLS) {
      const found = await findTool(tool);
      if (found) binaries.set(found, join(rootfs, 'bin', tool));
    }
    const libraries = new Set<string>();
    for (const [source, target] of binaries) {
      await mkdir(dirname(target), { recursive: true });
      await copyFile(await realpath(source), target);
      await chmod(target, 0o755);
      for (const library of await sharedLibraries(source)) libraries.add(library);
    }
    for (const library of libraries) {
      const target = join(rootfs, library);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(await realpath(library), target);
    }
    await mkdir(join(rootfs, 'tmp'), { recursive: true });
    await chmod(join(rootfs, 'tmp'), 0o1777);
    await mkdir(join(rootfs, 'etc'), { recursive: true });
    await writeFile(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    await writeFile(join(rootfs, 'etc/group'), 'root:x:0:\n');
    await mkdir(join(rootfs, 'root'), { recursive: true });
    const archive = join(work, 'rootfs.tar');
    await run('tar', ['-C', rootfs, '-cf', archive, '.']);
    const stream = await docker.importImage(archive, { repo: RUNTIME_IMAGE_REPOSITORY, tag });
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve())));
    await docker.getImage(image).inspect();
    return image;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function findTool(name: string): Promise<string | undefined> {
  for (const dir of TOOL_DIRS) {
    const path = join(dir, name);
    try {
      if ((await stat(path)).isFile()) return path;
    } catch {
      // not in this dir
    }
  }
  return undefined;
}

/** Absolute paths of the shared libraries `binary` loads, from `ldd` (the loader included). */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const paths: string[] = [];
  for (const line of stdout.split('\n')) {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (match) paths.push(match[1]!);
  }
  return paths;
}
