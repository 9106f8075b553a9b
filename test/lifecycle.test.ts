import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliJson, runCli } from './support/cli.js';
import { eventually, isProcessAlive, runtimeProcessesUnder } from './support/processes.js';
import { type RelaySession, startRelaySession } from './support/relay-session.js';

interface EnvironmentView {
  id: string;
  name: string;
  state: string;
  resourceId: string | null;
  runtime: { connected: boolean; pid: number | null; generation: number };
  lastError: { code: string; message: string } | null;
}

let session: RelaySession;
beforeEach(async () => {
  session = await startRelaySession();
});
afterEach(async () => {
  await session.dispose();
});

describe('environment lifecycle through the CLI (local provider)', () => {
  it('creates, lists, execs, stops, starts, restarts, shows logs and deletes, leaving nothing behind', async () => {
    const created = await cliJson<EnvironmentView>(['env', 'create', 'demo', '--provider', 'local'], session.env);
    expect(created).toMatchObject({ name: 'demo', state: 'running', resourceId: expect.any(String) });
    const id = created.id;

    const listed = await cliJson<EnvironmentView[]>(['env', 'list'], session.env);
    expect(listed.map((environment) => environment.id)).toEqual([id]);

    const exec = await runCli(['env', 'exec', id, '--', 'sh', '-c', 'echo hi; exit 3'], session.env);
    expect(exec.stdout).toBe('hi\n');
    expect(exec.code).toBe(3);

    const running = await cliJson<EnvironmentView>(['env', 'get', id], session.env);
    expect(running.runtime.connected).toBe(true);
    const firstPid = running.runtime.pid!;
    expect(await isProcessAlive(firstPid)).toBe(true);
    const workspace = join(session.dataDir, 'workspaces', id);
    expect((await runCli(['env', 'exec', id, '--', 'sh', '-c', 'echo kept > kept.txt'], session.env)).code).toBe(0);

    const stopped = await cliJson<EnvironmentView>(['env', 'stop', id], session.env);
    expect(stopped.state).toBe('stopped');
    expect(await isProcessAlive(firstPid)).toBe(false);
    expect(existsSync(join(workspace, 'kept.txt'))).toBe(true);

    const started = await cliJson<EnvironmentView>(['env', 'start', id], session.env);
    expect(started.state).toBe('running');
    expect(started.resourceId).toBe(created.resourceId);
    const cat = await runCli(['env', 'exec', id, '--', 'cat', 'kept.txt'], session.env);
    expect(cat.stdout).toBe('kept\n');

    const beforeRestart = await cliJson<EnvironmentView>(['env', 'get', id], session.env);
    const restarted = await cliJson<EnvironmentView>(['env', 'restart', id], session.env);
    expect(restarted.state).toBe('running');
    const afterRestart = await cliJson<EnvironmentView>(['env', 'get', id], session.env);
    expect(afterRestart.runtime.generation).toBeGreaterThan(beforeRestart.runtime.generation);
    expect(afterRestart.runtime.pid).not.toBe(beforeRestart.runtime.pid);
    expect(await isProcessAlive(beforeRestart.runtime.pid!)).toBe(false);

    const logs = await runCli(['env', 'logs', id], session.env);
    expect(logs.code).toBe(0);
    expect(logs.stdout.length).toBeGreaterThan(0);

    const providers = await cliJson<Array<{ name: string }>>(['provider', 'list'], session.env);
    expect(providers.map((provider) => provider.name)).toContain('local');

    const lastPid = afterRestart.runtime.pid!;
    const deleted = await runCli(['env', 'delete', id], session.env);
    expect(deleted.code, deleted.stderr).toBe(0);
    const gone = await runCli(['env', 'get', id], session.env);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('environment-not-found');
    expect(await isProcessAlive(lastPid)).toBe(false);
    expect(existsSync(workspace)).toBe(false);
    expect(existsSync(join(session.dataDir, 'providers', 'local', id))).toBe(false);
    const store = JSON.parse(await readFile(join(session.dataDir, 'environments.json'), 'utf8')) as { environments: unknown[] };
    expect(store.environments).toEqual([]);
  });

  it('refuses a duplicate name with 409 conflict and an unknown provider naming the installed ones', async () => {
    await cliJson(['env', 'create', 'twin', '--provider', 'local'], session.env);
    const again = await runCli(['env', 'create', 'twin', '--provider', 'local'], session.env);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/conflict/);
    expect(again.stderr).toMatch(/already exists/);
    const unknown = await runCli(['env', 'create', 'other', '--provider', 'nope'], session.env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('provider-not-found');
    expect(unknown.stderr).toContain('installed providers: local');
  });

  it('keeps the environment running with the same resourceId and the same runtime process across a relay restart', async () => {
    const created = await cliJson<EnvironmentView>(['env', 'create', 'durable', '--provider', 'local'], session.env);
    const before = await cliJson<EnvironmentView>(['env', 'get', created.id], session.env);
    const pid = before.runtime.pid!;

    await session.restart('SIGTERM');
    expect(await isProcessAlive(pid)).toBe(true);

    const after = await eventually(async () => {
      const view = await cliJson<EnvironmentView>(['env', 'get', created.id], session.env);
      return view.state === 'running' && view.runtime.connected ? view : undefined;
    }, 'the runtime to reconnect after the relay restart');
    expect(after.resourceId).toBe(before.resourceId);
    expect(after.runtime.pid).toBe(pid);
    expect(after.runtime.generation).toBe(before.runtime.generation);
    expect(await runtimeProcessesUnder(join(session.dataDir, 'workspaces', created.id), true)).toEqual([pid]);

    const exec = await runCli(['env', 'exec', created.id, '--', 'sh', '-c', 'echo after-restart'], session.env);
    expect(exec.stdout).toBe('after-restart\n');
    expect(exec.code).toBe(0);
  });

  it('moves the environment out of running with a reason when the runtime process is killed', async () => {
    const created = await cliJson<EnvironmentView>(['env', 'create', 'fragile', '--provider', 'local'], session.env);
    const pid = (await cliJson<EnvironmentView>(['env', 'get', created.id], session.env)).runtime.pid!;
    process.kill(pid, 'SIGKILL');
    const failed = await eventually(async () => {
      const view = await cliJson<EnvironmentView>(['env', 'get', created.id], session.env);
      return view.state === 'error' ? view : undefined;
    }, 'the environment to leave running');
    expect(failed.lastError?.code).toBe('runtime-exited');
    expect(failed.lastError?.message).toContain('codebolt env start');

    const restarted = await cliJson<EnvironmentView>(['env', 'start', created.id], session.env);
    expect(restarted.state).toBe('running');
  });
});
