import { randomBytes } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { CodeboltError } from '@codebolt/protocol';
import type { StartContext } from '@codebolt/provider';
import { KitRelay } from '@codebolt/provider/testing';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSshProvider } from './create-ssh-provider.js';
import type { SshConfig } from './ssh-config.js';
import type { SshProvider } from './ssh-provider.js';
import { startTestSshd } from './test-support/sshd.js';

const sshd = await startTestSshd();
afterAll(() => sshd?.close());
const signal = new AbortController().signal;
const run = promisify(execFile);

let relay: KitRelay;
let installationId: string;
let provider: SshProvider;
const made: Array<{ resourceId: string; environmentId: string }> = [];

function baseConfig(): SshConfig {
  return { host: '127.0.0.1', port: sshd!.port, user: sshd!.user, privateKeyPath: sshd!.clientKeyPath, hostKey: sshd!.hostKeyLine, workdir: sshd!.workdir, ...(sshd!.nodePath ? { nodePath: sshd!.nodePath } : {}) };
}

function environment(id: string) {
  return { id, name: id, tenant: 'acme' };
}

function envDirOf(environmentId: string, installation = installationId): string {
  return join(sshd!.workdir, 'installations', installation, environmentId);
}

function startContext(environmentId: string, config: SshConfig = baseConfig()): StartContext<SshConfig> & { token: string } {
  const token = relay.issueRuntimeToken(environmentId);
  return { environment: environment(environmentId), config, creationToken: `ct-${environmentId}`, runtime: { url: relay.runtimeUrl, token }, signal, token };
}

async function create(environmentId: string) {
  const context = startContext(environmentId);
  const { resourceId } = await provider.create(context);
  made.push({ resourceId, environmentId });
  const runtime = await relay.runtime(context.token, `the runtime of ${environmentId}`);
  return { resourceId, runtime, token: context.token };
}

async function refusal(promise: Promise<unknown>): Promise<CodeboltError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(CodeboltError);
  return error as CodeboltError;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Polls (the process is not ours to wait on) until `pid` is gone or a zombie; throws after 30 s. */
async function waitUntilDead(pid: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return;
    if (Date.now() > deadline) throw new Error(`pid ${pid} still runs 30 s after SIGKILL`);
    await delay(50);
  }
}

/** A private ssh-agent (`ssh-agent -D -a <socket>`) holding `keyPath`; `stop` ends it and removes its dir. */
async function startAgent(keyPath: string): Promise<{ socket: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'codebolt-agent-'));
  const socket = join(dir, 'agent.sock');
  const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // ssh-agent -D prints its SSH_AUTH_SOCK line once the socket listens.
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`ssh-agent exited ${code}`)));
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('SSH_AUTH_SOCK') && resolve());
    });
    await run('ssh-add', ['-q', keyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
  } catch (error) {
    await stop();
    throw error;
  }
  return { socket, stop };
}

describe.skipIf(sshd === undefined)('SshProvider against a real sshd', () => {
  beforeEach(async () => {
    relay = await KitRelay.start();
    installationId = `test-${randomBytes(4).toString('hex')}`;
    provider = createSshProvider({ installationId });
  });

  afterEach(async () => {
    for (const { resourceId, environmentId } of made.splice(0)) {
      await provider.destroy(resourceId, { environment: environment(environmentId), config: baseConfig(), signal });
      expect(await exists(envDirOf(environmentId))).toBe(false);
    }
    await relay.close();
  });

  it('refuses a host whose key differs from the pinned one, naming the fingerprint it presented, and makes nothing', async () => {
    const error = await refusal(provider.create(startContext('env-impostor', { ...baseConfig(), hostKey: sshd!.otherHostKeyLine })));

    expect(error.code).toBe('unauthorized');
    expect(error.message).toContain(`presented the host key ssh-ed25519 ${sshd!.hostKeyFingerprint}`);
    expect(error.message).toContain('hostKey pins');
    expect(await exists(join(sshd!.workdir, 'installations', installationId))).toBe(false);
  });

  it('refuses a config without hostKey, naming the fingerprint seen and the line to pin', async () => {
    const { hostKey: _omitted, ...config } = baseConfig();
    const error = await refusal(provider.create(startContext('env-unpinned', config)));

    expect(error.code).toBe('invalid-config');
    expect(error.message).toContain('hostKey is required');
    expect(error.message).toContain(sshd!.hostKeyFingerprint);
    expect(error.message).toContain(sshd!.hostKeyLine.split(' ').slice(0, 3).join(' '));
  });

  it('reports a client key the host does not accept as unauthorized, saying where to add it', async () => {
    const error = await refusal(provider.create(startContext('env-wrong-key', { ...baseConfig(), privateKeyPath: sshd!.otherClientKeyPath })));

    expect(error.code).toBe('unauthorized');
    expect(error.message).toContain(`${sshd!.user}@127.0.0.1:${sshd!.port} refused the private key`);
    expect(error.message).toContain('authorized_keys');
  });

  it('keeps the runtime token out of the runtime command line and every log, and the runtime outlives the SSH session', async () => {
    const { resourceId, runtime, token } = await create('env-token');
    expect(resourceId).toBe(`ssh://${sshd!.user}@127.0.0.1:${sshd!.port}${envDirOf('env-token')}`);
    const { pid } = JSON.parse(await readFile(join(envDirOf('env-token'), 'runtime.json'), 'utf8')) as { pid: number };

    expect(await readFile(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(token);
    // The SSH session that launched it is closed; the runtime still serves.
    expect((await runtime.exec('sh', ['-c', 'echo $CODEBOLT_RUNTIME_TOKEN; pwd'])).stdout).toBe(`\n${envDirOf('env-token')}/workspace\n`);
    expect(await readFile(join(envDirOf('env-token'), 'runtime.log'), 'utf8')).not.toContain(token);
  });

  it('reports a runtime killed behind its back as stopped (workspace kept) and starts it again; a removed environment dir is gone', async () => {
    const { resourceId, runtime } = await create('env-killed');
    await runtime.request('fs.write', { path: 'kept.txt', content: 'survives the kill' });
    const { pid } = JSON.parse(await readFile(join(envDirOf('env-killed'), 'runtime.json'), 'utf8')) as { pid: number };
    process.kill(pid, 'SIGKILL');
    await waitUntilDead(pid);
    await runtime.waitClosed('the killed runtime to disconnect');
    const context = { environment: environment('env-killed'), config: baseConfig(), signal };

    const killed = await provider.attach(resourceId, context);
    expect(killed).toMatchObject({ status: 'stopped' });
    expect(killed.detail).toContain(`runtime pid ${pid} is not running`);

    const restart = startContext('env-killed');
    await provider.start(resourceId, restart);
    const restarted = await relay.runtime(restart.token, 'the restarted runtime');
    expect((await restarted.exec('sh', ['-c', 'cat kept.txt'])).stdout).toBe('survives the kill');
    expect(await provider.attach(resourceId, context)).toMatchObject({ status: 'running' });

    await provider.stop(resourceId, context);
    await restarted.waitClosed('the stopped runtime to disconnect');
    await rm(envDirOf('env-killed'), { recursive: true });
    expect(await provider.attach(resourceId, context)).toMatchObject({ status: 'gone' });
    expect((await refusal(provider.start(resourceId, startContext('env-killed')))).code).toBe('resource-gone');
  });

  it('lists only its own installation, and refuses resource ids of another installation or another host', async () => {
    const { resourceId } = await create('env-mine');
    const other = createSshProvider({ installationId: `${installationId}-other` });
    const context = { environment: environment('env-mine'), config: baseConfig(), signal };

    expect(await other.list({ config: baseConfig(), signal })).toEqual([]);
    expect(await provider.list({ config: baseConfig(), signal })).toEqual([{ resourceId, environmentId: 'env-mine', status: 'running' }]);
    expect((await refusal(other.attach(resourceId, context))).code).toBe('bad-request');
    const elsewhere = await refusal(provider.attach(resourceId, { ...context, config: { ...baseConfig(), port: sshd!.port + 1 } }));
    expect(elsewhere.code).toBe('invalid-config');
    expect(elsewhere.message).toContain(`the resource is on ${sshd!.user}@127.0.0.1:${sshd!.port}`);
  });

  it('a create retried with the same creation token finds the same dir and replaces the runtime; another creation token is a conflict', async () => {
    const first = await create('env-retried');
    const retry = startContext('env-retried');
    const { resourceId } = await provider.create(retry);
    expect(resourceId).toBe(first.resourceId);
    await first.runtime.waitClosed('the first runtime to be replaced');
    const second = await relay.runtime(retry.token, 'the runtime of the retried create');
    expect((await second.exec('sh', ['-c', 'echo again'])).stdout).toBe('again\n');

    const other = await refusal(provider.create({ ...startContext('env-retried'), creationToken: 'ct-another-creation' }));
    expect(other.code).toBe('conflict');
    expect(other.message).toContain('already belongs to another creation of environment env-retried');
  });

  it('logs in with the SSH agent at SSH_AUTH_SOCK when there is no privateKeyPath, and refuses a config with neither', async () => {
    const { privateKeyPath: _none, ...config } = baseConfig();
    const noAgent = await refusal(createSshProvider({ installationId, environment: {} }).create(startContext('env-agentless', config)));
    expect(noAgent.code).toBe('invalid-config');
    expect(noAgent.message).toContain('privateKeyPath: no private key and no SSH agent');

    const agent = await startAgent(sshd!.clientKeyPath);
    try {
      const viaAgent = createSshProvider({ installationId, environment: { SSH_AUTH_SOCK: agent.socket } });
      const context = startContext('env-agent', config);
      const { resourceId } = await viaAgent.create(context);
      made.push({ resourceId, environmentId: 'env-agent' });
      const runtime = await relay.runtime(context.token, 'the runtime launched through the agent');
      expect((await runtime.exec('sh', ['-c', 'echo via-agent'])).stdout).toBe('via-agent\n');
    } finally {
      await agent.stop();
    }
  });

  it('says to install Node 20 or set nodePath when the host has no such node', async () => {
    const error = await refusal(provider.create(startContext('env-no-node', { ...baseConfig(), nodePath: '/nonexistent/bin/node' })));

    expect(error.code).toBe('provider-error');
    expect(error.message).toContain('has no /nonexistent/bin/node (exit 127): install Node 20 or newer on the host, or set nodePath');
  });

  it('reports an unreachable host as a provider error (never gone), so the relay retries', async () => {
    const { resourceId } = await create('env-unreachable');
    // sshd answers on sshd.port only; the same resource seen through a port nothing listens on:
    const closed = resourceId.replace(`:${sshd!.port}/`, ':1/');
    const error = await refusal(provider.attach(closed, { environment: environment('env-unreachable'), config: { ...baseConfig(), port: 1 }, signal }));
    expect(error.code).toBe('provider-error');
    expect(error.message).toContain('cannot connect to');
  });
});

if (sshd === undefined) {
  describe('SshProvider against a real sshd', () => {
    it.skip('needs sshd (not installed; see the message above)', () => {});
  });
}
