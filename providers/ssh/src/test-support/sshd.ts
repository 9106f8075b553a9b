import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { LocalRuntime } from '@codebolt/provider-local';

const run = promisify(execFile);
/** The PATH Debian's sshd gives a session (root's; a user's is a subset). */
const SSHD_SESSION_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const SSHD_CANDIDATES = ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/usr/bin/sshd'];
/** How long sshd may take to say it listens, in ms (a loaded 2-core CI box). */
const LISTEN_TIMEOUT_MS = 30_000;

/** A private sshd on 127.0.0.1 for one test file, with its own host key and authorized client key. */
export interface TestSshd {
  port: number;
  user: string;
  /** The temp dir holding the config, keys and (under `remote/`) the provider's workdir. */
  dir: string;
  /** The client key sshd accepts, and one it does not. */
  clientKeyPath: string;
  otherClientKeyPath: string;
  /** A second accepted client key, encrypted with `encryptedClientKeyPassphrase`. */
  encryptedClientKeyPath: string;
  encryptedClientKeyPassphrase: string;
  /** The host's key as a known_hosts line, and its `SHA256:` fingerprint. */
  hostKeyLine: string;
  hostKeyFingerprint: string;
  /** A different host's key as a known_hosts line (for the refusal test). */
  otherHostKeyLine: string;
  /** The workdir the tests give the provider: `<dir>/remote`. */
  workdir: string;
  /**
   * `nodePath` for the provider config: `undefined` when this Node is on the PATH sshd gives a
   * session (so the default, `node`, is what gets tested), else this Node's own path.
   */
  nodePath: string | undefined;
  /** Stops sshd and removes the temp dir; throws when sshd does not exit. */
  close(): Promise<void>;
}

/**
 * Starts `sshd -D -e -f <config>` as a child process: its own host key (ssh-keygen), an
 * authorized_keys holding a fresh client key, StrictModes off, no PAM, no passwords, the
 * internal SFTP server, listening on a free high port of 127.0.0.1. Resolves once sshd logs that
 * it listens. Returns `undefined` (with the reason on stderr) when there is no sshd binary —
 * unless `CODEBOLT_REQUIRE_SSHD=1` (.ci/run sets it), where that throws too. An installed sshd
 * that cannot start always throws (with its log), so the tests fail rather than skip.
 */
export async function startTestSshd(): Promise<TestSshd | undefined> {
  const required = process.env.CODEBOLT_REQUIRE_SSHD === '1';
  const sshd = await findSshd();
  if (sshd === undefined) {
    const why = `no sshd binary (looked in ${SSHD_CANDIDATES.join(', ')}); install openssh-server`;
    if (required) throw new Error(`${why}, and CODEBOLT_REQUIRE_SSHD=1 requires one`);
    process.stderr.write(`\n!!! SKIPPING the SSH provider tests: ${why} (.ci/run installs it).\n\n`);
    return undefined;
  }
  const dir = await mkdtemp(join(tmpdir(), 'codebolt-sshd-'));
  try {
    return await startIn(sshd, dir);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startIn(sshd: string, dir: string): Promise<TestSshd> {
  const user = userInfo().username;
  const key = async (name: string, passphrase = ''): Promise<string> => {
    const path = join(dir, name);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', `codebolt-test-${name}`, '-f', path]);
    return path;
  };
  const hostKey = await key('host_ed25519');
  const otherHostKey = await key('other_host_ed25519');
  const clientKeyPath = await key('client_ed25519');
  const otherClientKeyPath = await key('other_client_ed25519');
  const encryptedClientKeyPassphrase = randomBytes(12).toString('base64url');
  const encryptedClientKeyPath = await key('encrypted_client_ed25519', encryptedClientKeyPassphrase);
  const authorized = [await readFile(`${clientKeyPath}.pub`, 'utf8'), await readFile(`${encryptedClientKeyPath}.pub`, 'utf8')];
  await writeFile(join(dir, 'authorized_keys'), authorized.join(''), { mode: 0o600 });
  // sshd, run as root, needs its privilege separation dir (Debian's service makes it at boot).
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const workdir = join(dir, 'remote');
  await mkdir(workdir, { mode: 0o700 });
  await chmod(dir, 0o755);

  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const config = join(dir, 'sshd_config');
    await writeFile(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `AllowUsers ${user}`,
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'X11Forwarding no',
        'AllowTcpForwarding no',
        'PrintMotd no',
        'Subsystem sftp internal-sftp',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    const child = spawn(sshd, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      await listening(child, port);
    } catch (error) {
      lastError = error;
      await stop(child);
      continue;
    }
    const hostKeyLine = `[127.0.0.1]:${port} ${(await readFile(`${hostKey}.pub`, 'utf8')).trim()}`;
    const otherHostKeyLine = `[127.0.0.1]:${port} ${(await readFile(`${otherHostKey}.pub`, 'utf8')).trim()}`;
    const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`]);
    const hostKeyFingerprint = stdout.split(/\s+/)[1]!;
    return {
      port,
      user,
      dir,
      clientKeyPath,
      otherClientKeyPath,
      encryptedClientKeyPath,
      encryptedClientKeyPassphrase,
      hostKeyLine,
      hostKeyFingerprint,
      otherHostKeyLine,
      workdir,
      nodePath: SSHD_SESSION_PATH.includes(dirname(process.execPath)) ? undefined : process.execPath,
      async close() {
        // Runtimes run in their own sessions and outlive sshd: any still running is a leak.
        const leaked = await stopLeakedRuntimes(workdir);
        await stop(child);
        await rm(dir, { recursive: true, force: true });
        if (leaked.length > 0) throw new Error(`runtimes were still running on the test host (now killed): ${leaked.join(', ')}`);
      },
    };
  }
  throw lastError;
}

/** Resolves when sshd logs "Server listening on 127.0.0.1 port <port>"; rejects with its log when it exits first or stays silent. */
function listening(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => done(new Error(`sshd did not listen on port ${port} within ${LISTEN_TIMEOUT_MS} ms; its log:\n${log}`)), LISTEN_TIMEOUT_MS);
    const done = (error?: Error): void => {
      clearTimeout(timer);
      child.stderr?.removeListener('data', onData);
      child.removeListener('exit', onExit);
      child.removeListener('error', onError);
      // Keep draining its log so sshd never blocks on a full pipe.
      child.stderr?.resume();
      if (error) reject(error);
      else resolve();
    };
    const onData = (chunk: Buffer): void => {
      log += chunk.toString('utf8');
      if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) done();
    };
    const onExit = (code: number | null): void => done(new Error(`sshd exited (code ${code}) before it listened; its log:\n${log}`));
    const onError = (error: Error): void => done(new Error(`sshd could not be started: ${error.message}`));
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** SIGTERM, and waits for the exit; throws when sshd is still there after 10 s (and SIGKILLs it). */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 10_000).unref())]);
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
    throw new Error('sshd did not exit within 10 s of SIGTERM');
  }
}

/** Stops every runtime recorded under `<workdir>/installations/*\/*\/runtime.json` that still runs; returns their env dirs. */
async function stopLeakedRuntimes(workdir: string): Promise<string[]> {
  const leaked: string[] = [];
  const root = join(workdir, 'installations');
  const installations = await readdir(root).catch(() => [] as string[]);
  for (const installation of installations) {
    for (const environment of await readdir(join(root, installation)).catch(() => [] as string[])) {
      const envDir = join(root, installation, environment);
      const paths = { workspace: join(envDir, 'workspace'), runtimeFile: join(envDir, 'runtime.json'), runtimeStateDir: join(envDir, 'runtime-state'), logFile: join(envDir, 'runtime.log') };
      const runtime = new LocalRuntime({ stopTimeoutMs: 5_000, log: () => {} });
      if ((await runtime.status(paths)).running) {
        leaked.push(envDir);
        await runtime.stop(paths, new AbortController().signal);
      }
    }
  }
  return leaked;
}

async function findSshd(): Promise<string | undefined> {
  for (const path of SSHD_CANDIDATES) {
    try {
      await access(path);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A port that was free a moment ago (sshd cannot take port 0; a lost race is retried). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
