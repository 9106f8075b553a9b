import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RelayProcess, cliEnvironment, cliJson, runCli, startRelayProcess } from './support/cli.js';
import { eventually, isProcessAlive, runtimeProcessesUnder } from './support/processes.js';

interface EnvironmentView {
  id: string;
  name: string;
  state: string;
  resourceId: string | null;
  runtime: { connected: boolean; pid: number | null; generation: number };
}

let root: string;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let relay: RelayProcess | undefined;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'codebolt-e2e-backup-'));
  dataDir = join(root, 'data');
  env = cliEnvironment(dataDir);
  relay = await startRelayProcess(dataDir);
});

afterEach(async () => {
  const problems: string[] = [];
  try {
    if (relay && relay.child.exitCode === null) {
      for (const environment of await cliJson<Array<{ id: string }>>(['env', 'list'], env)) {
        const result = await runCli(['env', 'delete', environment.id], env);
        if (result.code !== 0) problems.push(`env delete ${environment.id} exited ${result.code}: ${result.stderr}`);
      }
    }
  } finally {
    await relay?.stop('SIGTERM');
    const leaked = await runtimeProcessesUnder(root);
    for (const pid of leaked) process.kill(pid, 'SIGKILL');
    if (leaked.length > 0) problems.push(`runtime processes left behind: ${leaked.join(', ')}`);
    await rm(root, { recursive: true, force: true });
  }
  if (problems.length > 0) throw new Error(`cleanup failed:\n${problems.join('\n')}`);
});

describe('backup and restore through the CLI', () => {
  it('refuses a second relay on the same data dir, naming the one that holds it', async () => {
    const second = await runCli(['serve', '--port', '0', '--data-dir', dataDir], env, 60_000);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`data dir is in use by relay process ${relay!.child.pid}`);
    // An offline backup needs the lock too: it points at the online one instead.
    const offline = await runCli(['admin', 'backup', '--offline', '--output', join(root, 'offline.tar.gz')], env);
    expect(offline.code).not.toBe(0);
    expect(offline.stderr).toContain(`data dir is in use by relay process ${relay!.child.pid}`);
    expect((await fetch(`${relay!.url}/health`)).ok).toBe(true);
  });

  it('backs up, survives a wiped data dir, restores, and the restarted relay reattaches the same running environments', async () => {
    const created: EnvironmentView[] = [];
    for (const name of ['alpha', 'beta']) created.push(await cliJson<EnvironmentView>(['env', 'create', name, '--provider', 'local'], env));
    const before = await Promise.all(created.map((environment) => cliJson<EnvironmentView>(['env', 'get', environment.id], env)));
    expect(before.every((view) => view.state === 'running' && view.runtime.pid !== null)).toBe(true);
    const write = await runCli(['env', 'exec', created[0]!.id, '--', 'sh', '-c', 'echo kept-across-restore > notes.txt'], env);
    expect(write.code).toBe(0);

    // Back up the running relay into a directory with retention; check the archive and the data dir.
    // Older archives already there: of two on the same day only the newer survives retention.
    const backups = join(root, 'backups');
    await mkdir(backups);
    for (const name of ['codebolt-backup-20200101T000000Z.tar.gz', 'codebolt-backup-20200101T120000Z.tar.gz', 'notes.txt']) await writeFile(join(backups, name), 'old');
    const backup = await cliJson<{ path: string; files: number; workspaces: boolean; deleted: string[] }>(['admin', 'backup', '--output', `${backups}/`, '--retention', 'daily=7,weekly=4,monthly=6'], env);
    expect(backup.path).toMatch(/codebolt-backup-\d{8}T\d{6}Z\.tar\.gz$/);
    expect(backup.workspaces).toBe(true);
    expect(backup.deleted).toEqual(['codebolt-backup-20200101T000000Z.tar.gz']);
    expect((await readdir(backups)).sort()).toEqual([backup.path.split('/').at(-1), 'codebolt-backup-20200101T120000Z.tar.gz', 'notes.txt'].sort());
    expect((await runCli(['admin', 'check', '--archive', backup.path], env)).code).toBe(0);
    const healthy = await runCli(['admin', 'check'], env);
    expect(healthy.code, healthy.stderr + healthy.stdout).toBe(0);

    // The operator keeps the master key elsewhere; then the relay stops and the data dir is lost.
    const secure = join(root, 'secure');
    await mkdir(secure);
    await copyFile(join(dataDir, 'master.key'), join(secure, 'master.key'));
    const port = relay!.port;
    expect(await relay!.stop('SIGTERM')).toBe(0);
    for (const view of before) expect(await isProcessAlive(view.runtime.pid!)).toBe(true);
    // With the relay stopped, an offline backup of the same data dir holds the same records.
    const offline = await cliJson<{ path: string; files: number }>(['admin', 'backup', '--offline', '--output', join(root, 'offline.tar.gz')], env);
    expect(offline.files).toBe(backup.files);
    expect((await runCli(['admin', 'check', '--archive', offline.path], env)).code).toBe(0);
    await rm(dataDir, { recursive: true, force: true });

    // A restore without the key is refused; with it, it restores; a second restore is refused.
    const keyless = await runCli(['admin', 'restore', backup.path], env);
    expect(keyless.code).not.toBe(0);
    expect(keyless.stderr).toContain('master key');
    const restored = await cliJson<{ dataDir: string; files: number }>(['admin', 'restore', backup.path, '--master-key-file', join(secure, 'master.key')], env);
    expect(restored.files).toBe(backup.files);
    const again = await runCli(['admin', 'restore', backup.path, '--master-key-file', join(secure, 'master.key')], env);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('is not empty');
    const restoredCheck = await runCli(['admin', 'check'], env);
    expect(restoredCheck.code, restoredCheck.stderr + restoredCheck.stdout).toBe(0);

    // The next start (on the relay's port, where its runtimes reconnect) reattaches: same resource
    // ids, same runtime processes, same generation.
    relay = await startRelayProcess(dataDir, port);
    for (const view of before) {
      const after = await eventually(async () => {
        const current = await cliJson<EnvironmentView>(['env', 'get', view.id], env);
        return current.state === 'running' && current.runtime.connected ? current : undefined;
      }, `${view.name} to be reattached after the restore`);
      expect(after.resourceId).toBe(view.resourceId);
      expect(after.runtime.pid).toBe(view.runtime.pid);
      expect(after.runtime.generation).toBe(view.runtime.generation);
    }
    const read = await runCli(['env', 'exec', created[0]!.id, '--', 'cat', 'notes.txt'], env);
    expect(read.stdout).toBe('kept-across-restore\n');
    expect(read.code).toBe(0);
    const echo = await runCli(['env', 'exec', created[1]!.id, '--', 'sh', '-c', 'echo beta-alive'], env);
    expect(echo.stdout).toBe('beta-alive\n');
  });
});
