import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeboltError } from '@codebolt/protocol';
import type { StartContext } from '@codebolt/provider';
import { KitRelay } from '@codebolt/provider/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDockerProvider } from './create-docker-provider.js';
import type { DockerConfig } from './docker-config.js';
import { LABELS } from './docker-labels.js';
import type { DockerProvider } from './docker-provider.js';
import { anythingLeft, testEngine } from './test-support/engine.js';

const docker = await testEngine();
const signal = new AbortController().signal;

let relay: KitRelay;
let installationId: string;
let provider: DockerProvider;
let tempDir: string;
const made: Array<{ resourceId: string; environmentId: string }> = [];

beforeEach(async () => {
  relay = await KitRelay.start();
  installationId = `test-${randomBytes(4).toString('hex')}`;
  provider = createDockerProvider({ installationId });
  tempDir = await mkdtemp(join(tmpdir(), 'codebolt-docker-test-'));
});

afterEach(async () => {
  for (const { resourceId, environmentId } of made.splice(0)) {
    await provider.destroy(resourceId, { environment: environment(environmentId), config: {}, signal });
    expect(await anythingLeft(docker!, installationId, environmentId)).toBe(false);
  }
  await relay.close();
  await rm(tempDir, { recursive: true, force: true });
});

function environment(id: string) {
  return { id, name: id, tenant: 'acme' };
}

function startContext(environmentId: string, config: DockerConfig = {}): StartContext<DockerConfig> & { token: string } {
  const token = relay.issueRuntimeToken(environmentId);
  return { environment: environment(environmentId), config, creationToken: `ct-${environmentId}`, runtime: { url: relay.runtimeUrl, token }, signal, token };
}

async function create(environmentId: string, config: DockerConfig = {}) {
  const context = startContext(environmentId, config);
  const { resourceId } = await provider.create(context);
  made.push({ resourceId, environmentId });
  const runtime = await relay.runtime(context.token, `the runtime of ${environmentId}`);
  return { resourceId, runtime, token: context.token };
}

describe.skipIf(docker === undefined)('DockerProvider against a real engine', () => {
  it('labels the container, applies limits and mounts, and keeps the runtime token out of argv and the container config', async () => {
    await writeFile(join(tempDir, 'mounted.txt'), 'from the host');
    const { resourceId, runtime, token } = await create('env-limits', {
      memory: '256m',
      cpus: 0.5,
      pids: 128,
      mounts: [`${tempDir}:/data:ro`],
      env: { GREETING: 'hi' },
    });

    const info = await docker!.getContainer(resourceId).inspect();
    expect(info.Config.Labels).toMatchObject({
      [LABELS.installation]: installationId,
      [LABELS.environment]: 'env-limits',
      [LABELS.creationToken]: 'ct-env-limits',
    });
    expect(info.HostConfig).toMatchObject({ Memory: 256 * 1024 * 1024, NanoCpus: 500_000_000, PidsLimit: 128, NetworkMode: 'host' });
    expect(info.Mounts.map((mount) => [mount.Type, mount.Destination]).sort()).toEqual([
      ['bind', '/data'],
      ['volume', '/codebolt'],
    ]);
    expect(JSON.stringify(info)).not.toContain(token);
    for (const execId of info.ExecIDs ?? []) {
      const exec = await docker!.getExec(execId).inspect();
      expect(JSON.stringify(exec.ProcessConfig)).not.toContain(token);
    }
    expect((await runtime.exec('cat', ['/data/mounted.txt'])).stdout).toBe('from the host');
    expect((await runtime.exec('sh', ['-c', 'echo "$GREETING:${CODEBOLT_RUNTIME_TOKEN:-no-token}:$(pwd)"'])).stdout).toBe('hi:no-token:/codebolt/workspace\n');
  });

  it('a create retried with the same creation token returns the same container', async () => {
    const first = await create('env-retry');
    const again = startContext('env-retry');
    const second = await provider.create(again);
    await relay.runtime(again.token, 'the runtime of the retried create');

    expect(second.resourceId).toBe(first.resourceId);
    expect(await docker!.listContainers({ all: true, filters: { label: [`${LABELS.installation}=${installationId}`] } })).toHaveLength(1);
  });

  it('another installation neither lists nor attaches to these containers', async () => {
    const { resourceId } = await create('env-mine');
    const other = createDockerProvider({ installationId: `${installationId}-other` });

    expect(await other.list({ config: {}, signal })).toEqual([]);
    expect((await other.attach(resourceId, { environment: environment('env-mine'), config: {}, signal })).status).toBe('gone');
    expect(await provider.list({ config: {}, signal })).toEqual([{ resourceId, environmentId: 'env-mine', status: 'running' }]);
  });

  it('a missing image is refused with invalid-config naming image, leaving nothing behind', async () => {
    const failure = await provider.create(startContext('env-noimage', { image: 'codebolt-no-such-image:1' })).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CodeboltError);
    expect(failure).toMatchObject({ code: 'invalid-config' });
    expect((failure as Error).message).toContain('image: "codebolt-no-such-image:1" is not on the Docker engine');
    expect(await anythingLeft(docker!, installationId, 'env-noimage')).toBe(false);
  });
});

describe('DockerProvider without an engine', () => {
  it('says which engine it cannot reach and how to point it at one', async () => {
    const socket = join(tmpdir(), `codebolt-no-docker-${randomBytes(4).toString('hex')}.sock`);
    const lonely = createDockerProvider({ installationId: 'test-none' });
    const config = { host: `unix://${socket}` };

    const failure = await lonely.list({ config, signal }).catch((error: unknown) => error);
    const health = await lonely.health({ config, signal });

    expect(failure).toMatchObject({ code: 'provider-error' });
    expect((failure as Error).message).toContain(`cannot reach the Docker engine at unix://${socket} (ENOENT)`);
    expect((failure as Error).message).toContain('DOCKER_HOST or --config host=');
    expect(health.ok).toBe(false);
    expect(health.message).toContain('start dockerd');
  });

  it('refuses a host it cannot use, naming the field', async () => {
    const failure = await createDockerProvider({ installationId: 'test-none' })
      .list({ config: { host: 'ssh://box' }, signal })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'invalid-config' });
    expect((failure as Error).message).toContain('host: "ssh://box"');
  });
});
