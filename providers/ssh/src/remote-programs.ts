import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CodeboltError } from '@codebolt/protocol';
import type { SFTPWrapper } from 'ssh2';

/** The programs this package's build bundles (dist/remote/*.mjs), uploaded to every host. `control.mjs` goes last: its presence means both are complete. */
const PROGRAM_NAMES = ['runtime.mjs', 'control.mjs'] as const;

interface LocalPrograms {
  /** First 16 hex digits of the SHA-256 of both files: the remote dir name, so an upgrade uploads anew and never overwrites a program in use. */
  hash: string;
  files: Array<{ name: string; content: Buffer }>;
}

let loaded: Promise<LocalPrograms> | undefined;

/** The bundled programs (read once per process). Throws `provider-error` when the package is unbuilt. */
function localPrograms(): Promise<LocalPrograms> {
  loaded ??= (async () => {
    const files = [];
    const hash = createHash('sha256');
    for (const name of PROGRAM_NAMES) {
      const path = fileURLToPath(new URL(`../dist/remote/${name}`, import.meta.url));
      const content = await readFile(path).catch((error: unknown) => {
        throw new CodeboltError('provider-error', `${path} is missing: build @codebolt/provider-ssh (pnpm build)`, { cause: error });
      });
      hash.update(name).update('\0').update(content);
      files.push({ name, content });
    }
    return { hash: hash.digest('hex').slice(0, 16), files };
  })();
  loaded.catch(() => {
    loaded = undefined;
  });
  return loaded;
}

/**
 * Makes sure `<workdir>/bin/<hash>/{runtime,control}.mjs` exist on the host, uploading them over
 * SFTP when they do not (each to a temp name, then renamed into place, so two providers uploading
 * at once, or one that dies half-way, never leave a partial program). Creates `workdir` (mode
 * 0700) and its parents as needed. Returns the remote path of the control program.
 */
export async function ensureRemotePrograms(sftp: SFTPWrapper, workdir: string): Promise<string> {
  const { hash, files } = await localPrograms();
  const dir = `${workdir}/bin/${hash}`;
  const control = `${dir}/control.mjs`;
  if (await exists(sftp, control)) return control;
  await makeDirectories(sftp, dir);
  for (const { name, content } of files) {
    const target = `${dir}/${name}`;
    const temporary = `${dir}/.${name}.${randomBytes(6).toString('hex')}.tmp`;
    await call<void>((done) => sftp.writeFile(temporary, content, { mode: 0o644 }, done));
    try {
      await putInPlace(sftp, temporary, target);
    } catch (error) {
      await call<void>((done) => sftp.unlink(temporary, done)).catch(() => {});
      throw new CodeboltError('provider-error', `cannot put ${target} in place on the host: ${(error as Error).message}`, { cause: error });
    }
  }
  return control;
}

/**
 * Renames `temporary` to `target`, replacing it: OpenSSH's posix-rename extension; without it
 * (another SFTP server) a plain SFTP rename, which fails when the target exists — then another
 * provider put the same program there first, and the temp file is removed.
 */
async function putInPlace(sftp: SFTPWrapper, temporary: string, target: string): Promise<void> {
  try {
    await call<void>((done) => sftp.ext_openssh_rename(temporary, target, done));
    return;
  } catch {
    // No posix-rename extension, or it failed: try the plain rename below.
  }
  try {
    await call<void>((done) => sftp.rename(temporary, target, done));
  } catch (error) {
    if (!(await exists(sftp, target))) throw error;
    await call<void>((done) => sftp.unlink(temporary, done));
  }
}

/** `realpath('.')`: the remote user's home, where SFTP sessions start. */
export function remoteHome(sftp: SFTPWrapper): Promise<string> {
  return call<string>((done) => sftp.realpath('.', done));
}

async function exists(sftp: SFTPWrapper, path: string): Promise<boolean> {
  try {
    await call((done) => sftp.stat(path, done));
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 2) return false; // SSH_FX_NO_SUCH_FILE
    throw error;
  }
}

/** `mkdir -p` over SFTP; new directories get mode 0700. */
async function makeDirectories(sftp: SFTPWrapper, dir: string): Promise<void> {
  const segments = dir.split('/').filter((segment) => segment !== '');
  let path = '';
  for (const segment of segments) {
    path += `/${segment}`;
    if (await exists(sftp, path)) continue;
    try {
      await call<void>((done) => sftp.mkdir(path, { mode: 0o700 }, done));
    } catch (error) {
      // Made meanwhile by another provider process: fine.
      if (!(await exists(sftp, path))) {
        throw new CodeboltError('provider-error', `cannot make ${path} on the host: ${(error as Error).message}; check workdir and the remote user's permissions`, { cause: error });
      }
    }
  }
}

function call<T>(start: (done: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value as T))));
}
