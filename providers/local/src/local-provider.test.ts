import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodeboltError } from '@codebolt/protocol';
import type { StartContext } from '@codebolt/provider';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalProvider } from './create-local-provider.js';
import type { LocalConfig, LocalProvider } from './local-provider.js';
import { INHERITED_ENV_NAMES } from './runtime-env.js';
import { ReportServer, within, type ReportedProcess } from './test-support/report-server.js';

const testRuntime = fileURLToPath(new URL('./test-fixtures/test-runtime.mjs', import.meta.url));

let home: string;
let reports: ReportServer;
let provider: LocalProvider;

beforeEach(async () => {
  home = await realpath(await mkdtemp(join(tmpdir(), 'codebolt-local-')));
  reports = await ReportServer.start();
  provider = createLocalProvider({ home, runtimeBin: testRuntime, stopTimeoutMs: 3_000 });
});

afterEach(async () => {
  // Every resource the test made, through the provider's own destroy; then any process that
  // reported and still runs (a runtime whose runtime.json a test rewrote).
  const signal = new AbortController().signal;
  for (const { resourceId, environmentId } of await provider.list({ config: {}, signal })) {
    await provider.destroy(resourceId, resourceContext(environmentId ?? resourceId));
  }
  for (const reported of reports.processes) {
    if (reported.isClosed()) continue;
    try {
      process.kill(reported.report.pid, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
    await within(reported.closed, `test runtime ${reported.report.pid} to die in cleanup`);
  }
  await reports.close();
  await rm(home, { recursive: true, force: true });
});

function startContext(environmentId: string, overrides: Partial<StartContext<LocalConfig>> = {}): StartContext<LocalConfig> {
  return {
    environment: { id: environmentId, name: environmentId, tenant: 'acme' },
    config: { env: { TEST_REPORT_PORT: String(reports.port) } },
    creationToken: `creation-${environmentId}`,
    runtime: { url: 'ws://127.0.0.1:7420/v1/runtime', token: `runtime-token-${environmentId}-1` },
    signal: new AbortController().signal,
    ...overrides,
  };
}

function resourceContext(environmentId: string) {
  return { environment: { id: environmentId, name: environmentId, tenant: 'acme' }, config: {}, signal: new AbortController().signal };
}

async function runtimeJson(environmentId: string): Promise<{ pid: number; startTime: string; instance: string }> {
  return JSON.parse(await readFile(join(home, 'providers', 'local', environmentId, 'runtime.json'), 'utf8'));
}

async function launched(environmentId: string, token: string): Promise<ReportedProcess> {
  return reports.waitFor(
    (report) => report.role === 'runtime' && report.env.CODEBOLT_WORKSPACE === join(home, 'workspaces', environmentId) && report.env.CODEBOLT_RUNTIME_TOKEN === token,
    `the runtime of ${environmentId} with ${token}`,
  );
}

/** True when no process has this pid, or only its zombie is left for the parent to reap. */
async function processIsGone(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

describe('LocalProvider', () => {
  it('create makes the workspace, launches the runtime there with a scrubbed env, and never puts the token in argv', async () => {
    const previous = { ...process.env };
    process.env.CODEBOLT_PROVIDER_TOKEN = 'provider-secret';
    process.env.AWS_SECRET_ACCESS_KEY = 'aws-secret';
    let result: { resourceId: string };
    try {
      result = await provider.create(
        startContext('env-1', { config: { env: { TEST_REPORT_PORT: String(reports.port), GREETING: 'hi' }, secretEnv: { API_KEY: 'k-123' } } }),
      );
    } finally {
      delete process.env.CODEBOLT_PROVIDER_TOKEN;
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
    const runtime = await launched('env-1', 'runtime-token-env-1-1');
    const workspace = join(home, 'workspaces', 'env-1');
    const stateDir = join(home, 'providers', 'local', 'env-1');

    expect(result.resourceId).toBe('local-env-1');
    expect(runtime.report.cwd).toBe(workspace);
    expect(runtime.report.argv).toEqual([process.execPath, testRuntime]);
    const cmdline = await readFile(`/proc/${runtime.report.pid}/cmdline`, 'utf8');
    expect(cmdline.split('\0').filter(Boolean)).toEqual([process.execPath, testRuntime]);
    expect(cmdline).not.toContain('runtime-token');
    const inherited = INHERITED_ENV_NAMES.filter((name) => previous[name] !== undefined);
    expect(Object.keys(runtime.report.env).sort()).toEqual(
      [
        ...inherited,
        'TEST_REPORT_PORT',
        'GREETING',
        'API_KEY',
        'CODEBOLT_RUNTIME_URL',
        'CODEBOLT_RUNTIME_TOKEN',
        'CODEBOLT_WORKSPACE',
        'CODEBOLT_RUNTIME_STATE_DIR',
        'CODEBOLT_RUNTIME_INSTANCE',
      ].sort(),
    );
    expect(runtime.report.env).toMatchObject({
      PATH: previous.PATH,
      GREETING: 'hi',
      API_KEY: 'k-123',
      CODEBOLT_RUNTIME_URL: 'ws://127.0.0.1:7420/v1/runtime',
      CODEBOLT_WORKSPACE: workspace,
      CODEBOLT_RUNTIME_STATE_DIR: join(stateDir, 'runtime-state'),
    });
    const record = await runtimeJson('env-1');
    expect(record.pid).toBe(runtime.report.pid);
    expect(record.instance).toBe(runtime.report.env.CODEBOLT_RUNTIME_INSTANCE);
    expect(JSON.parse(await readFile(join(stateDir, 'resource.json'), 'utf8'))).toMatchObject({
      environmentId: 'env-1',
      creationToken: 'creation-env-1',
    });
    expect(await provider.attach('local-env-1', resourceContext('env-1'))).toEqual({ status: 'running', detail: `runtime pid ${record.pid}` });
    expect(await readFile(join(home, 'logs', 'env-1', 'provider.log'), 'utf8')).toContain('test runtime started (runtime)');
  });

  it('stop ends the runtime and keeps the workspace; start launches a new runtime with the new token', async () => {
    await provider.create(startContext('env-1'));
    const first = await launched('env-1', 'runtime-token-env-1-1');
    await writeFile(join(home, 'workspaces', 'env-1', 'notes.txt'), 'kept');

    await provider.stop('local-env-1', resourceContext('env-1'));

    await within(first.closed, 'the stopped runtime to die');
    expect(await provider.attach('local-env-1', resourceContext('env-1'))).toEqual({ status: 'stopped', detail: 'no runtime launched' });
    expect(existsSync(join(home, 'providers', 'local', 'env-1', 'runtime.json'))).toBe(false);
    expect(await readFile(join(home, 'workspaces', 'env-1', 'notes.txt'), 'utf8')).toBe('kept');

    await provider.start('local-env-1', startContext('env-1', { runtime: { url: 'ws://127.0.0.1:7420/v1/runtime', token: 'runtime-token-2' } }));

    const second = await launched('env-1', 'runtime-token-2');
    expect(second.report.pid).not.toBe(first.report.pid);
    expect((await runtimeJson('env-1')).pid).toBe(second.report.pid);
    expect((await provider.attach('local-env-1', resourceContext('env-1'))).status).toBe('running');
  });

  it('does not take a live process with another start time for the runtime', async () => {
    await provider.create(startContext('env-1'));
    const runtime = await launched('env-1', 'runtime-token-env-1-1');
    const record = await runtimeJson('env-1');
    await writeFile(join(home, 'providers', 'local', 'env-1', 'runtime.json'), JSON.stringify({ ...record, pid: process.pid, startTime: 1 }));

    expect(await provider.attach('local-env-1', resourceContext('env-1'))).toEqual({ status: 'stopped', detail: `runtime pid ${process.pid} is not running` });
    await provider.stop('local-env-1', resourceContext('env-1'));

    // Still alive: stop did not signal the process that only shares the recorded pid.
    expect(runtime.isClosed()).toBe(false);
  });

  it('reports a SIGKILLed runtime as stopped', async () => {
    await provider.create(startContext('env-1'));
    const runtime = await launched('env-1', 'runtime-token-env-1-1');

    process.kill(runtime.report.pid, 'SIGKILL');
    await within(runtime.closed, 'the killed runtime to die');
    // Its sockets close during exit, a moment before the kernel marks it a zombie: wait for that state.
    await within(
      (async () => {
        while (!(await processIsGone(runtime.report.pid))) await new Promise((resolve) => setTimeout(resolve, 10));
      })(),
      'the killed runtime to leave the process table',
    );

    expect(await provider.attach('local-env-1', resourceContext('env-1'))).toEqual({
      status: 'stopped',
      detail: `runtime pid ${runtime.report.pid} is not running`,
    });
  });

  it('stop kills the process group with SIGKILL when the runtime ignores SIGTERM', async () => {
    const stubborn = createLocalProvider({ home, runtimeBin: testRuntime, stopTimeoutMs: 500 });
    await stubborn.create(startContext('env-1', { config: { env: { TEST_REPORT_PORT: String(reports.port), TEST_IGNORE_SIGTERM: '1', TEST_SPAWN_CHILD: '1' } } }));
    const runtime = await launched('env-1', 'runtime-token-env-1-1');
    const child = await reports.waitFor((report) => report.role === 'child' && report.pid === runtime.report.childPid, 'the runtime\'s child');

    await stubborn.stop('local-env-1', resourceContext('env-1'));

    await within(runtime.closed, 'the runtime to die of SIGKILL');
    await within(child.closed, 'the runtime\'s child to die with its process group');
    expect((await stubborn.attach('local-env-1', resourceContext('env-1'))).status).toBe('stopped');
  });

  it('destroy removes the process, the workspace and the state, and succeeds again when already gone', async () => {
    await provider.create(startContext('env-1'));
    const runtime = await launched('env-1', 'runtime-token-env-1-1');

    await provider.destroy('local-env-1', resourceContext('env-1'));

    await within(runtime.closed, 'the destroyed runtime to die');
    expect(await processIsGone(runtime.report.pid)).toBe(true);
    expect(existsSync(join(home, 'workspaces', 'env-1'))).toBe(false);
    expect(existsSync(join(home, 'providers', 'local', 'env-1'))).toBe(false);
    await expect(provider.destroy('local-env-1', resourceContext('env-1'))).resolves.toBeUndefined();
    expect(await provider.attach('local-env-1', resourceContext('env-1'))).toEqual({
      status: 'gone',
      detail: `workspace ${join(home, 'workspaces', 'env-1')} does not exist`,
    });
  });

  it('start on a resource whose workspace is gone throws resource-gone', async () => {
    await provider.create(startContext('env-1'));
    await provider.destroy('local-env-1', resourceContext('env-1'));

    const failure = await provider.start('local-env-1', startContext('env-1')).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CodeboltError);
    expect(failure).toMatchObject({ code: 'resource-gone' });
    expect((failure as Error).message).toContain('codebolt env delete env-1');
  });

  it('list returns exactly the resources it made, with their status', async () => {
    await provider.create(startContext('env-a'));
    await provider.create(startContext('env-b'));
    await provider.stop('local-env-b', resourceContext('env-b'));
    await mkdir(join(home, 'providers', 'local', 'not-a-resource'), { recursive: true });

    const listed = await provider.list({ config: {}, signal: new AbortController().signal });

    expect(listed).toEqual([
      { resourceId: 'local-env-a', environmentId: 'env-a', status: 'running' },
      { resourceId: 'local-env-b', environmentId: 'env-b', status: 'stopped' },
    ]);
  });

  it('list on an empty data dir returns nothing', async () => {
    expect(await provider.list({ config: {}, signal: new AbortController().signal })).toEqual([]);
  });

  it('create with the same creation token is idempotent and replaces the runtime so the new token is used', async () => {
    const created = await provider.create(startContext('env-1'));
    const first = await launched('env-1', 'runtime-token-env-1-1');
    await writeFile(join(home, 'workspaces', 'env-1', 'notes.txt'), 'kept');

    const again = await provider.create(startContext('env-1', { runtime: { url: 'ws://127.0.0.1:7420/v1/runtime', token: 'runtime-token-retry' } }));

    expect(again).toEqual(created);
    await within(first.closed, 'the first runtime to be replaced');
    const second = await launched('env-1', 'runtime-token-retry');
    expect((await runtimeJson('env-1')).pid).toBe(second.report.pid);
    expect(await readFile(join(home, 'workspaces', 'env-1', 'notes.txt'), 'utf8')).toBe('kept');
    expect(await readdir(join(home, 'providers', 'local'))).toEqual(['env-1']);
  });

  it('create refuses a workspace made with another creation token, or not made by it', async () => {
    await provider.create(startContext('env-1'));
    await mkdir(join(home, 'workspaces', 'env-2'), { recursive: true });

    const otherToken = await provider.create(startContext('env-1', { creationToken: 'another' })).catch((error: unknown) => error);
    const foreign = await provider.create(startContext('env-2')).catch((error: unknown) => error);

    expect(otherToken).toMatchObject({ code: 'conflict' });
    expect((otherToken as Error).message).toContain('codebolt env delete env-1');
    expect(foreign).toMatchObject({ code: 'conflict' });
    expect((foreign as Error).message).toContain('was not made by the local provider');
    expect(existsSync(join(home, 'providers', 'local', 'env-2'))).toBe(false);
  });

  it('rejects config.env values that are not strings, and resource ids it did not make', async () => {
    const badConfig = await provider
      .create(startContext('env-1', { config: { env: { PORT: 8080 as unknown as string } } }))
      .catch((error: unknown) => error);
    const foreignId = await provider.attach('docker-abc', resourceContext('env-1')).catch((error: unknown) => error);
    const escaping = await provider.attach('local-..', resourceContext('env-1')).catch((error: unknown) => error);

    expect(badConfig).toMatchObject({ code: 'invalid-config' });
    expect((badConfig as Error).message).toMatch(/^invalid config for provider "local": env\.PORT: .*--config env=<value>/);
    expect(existsSync(join(home, 'workspaces', 'env-1'))).toBe(false);
    expect(foreignId).toMatchObject({ code: 'bad-request' });
    expect(escaping).toMatchObject({ code: 'bad-request' });
  });

  it('settings are checked without I/O: home must be absolute', () => {
    expect(() => createLocalProvider({ home: 'relative/dir' })).toThrow(/absolute path/);
    expect(() => createLocalProvider({ home, stopTimeoutMs: 0 })).toThrow(/stopTimeoutMs/);
  });
});
