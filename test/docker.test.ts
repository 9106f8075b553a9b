import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DOCKER_LABELS } from '@codebolt/provider-docker';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliJson, runCli } from './support/cli.js';
import { dockerEngine } from './support/docker-engine.js';
import { type RelaySession, startRelaySession } from './support/relay-session.js';

const docker = await dockerEngine();

interface EnvironmentView {
  id: string;
  state: string;
  resourceId: string | null;
}

let session: RelaySession | undefined;
beforeEach(async () => {
  if (docker) session = await startRelaySession();
});
afterEach(async () => {
  await session?.dispose();
  session = undefined;
});

describe.skipIf(docker === undefined)('the docker provider through the CLI, against a real engine', () => {
  it('env create --provider docker with no config runs a container; exec, stop, start and delete work and leave nothing', async () => {
    const relay = session!;
    const created = await cliJson<EnvironmentView>(['env', 'create', 'boxed', '--provider', 'docker'], relay.env);
    expect(created).toMatchObject({ state: 'running', resourceId: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const { installationId } = JSON.parse(await readFile(join(relay.dataDir, 'installation.json'), 'utf8')) as { installationId: string };
    const container = await docker!.getContainer(created.resourceId!).inspect();
    expect(container.Config.Labels).toMatchObject({ [DOCKER_LABELS.installation]: installationId, [DOCKER_LABELS.environment]: created.id });

    const write = await runCli(['env', 'exec', created.id, '--', 'sh', '-c', 'echo kept > kept.txt; cat /proc/1/cmdline'], relay.env);
    expect(write.code).toBe(0);
    expect(write.stdout.startsWith('node\0-e\0')).toBe(true);
    expect((await cliJson<EnvironmentView>(['env', 'stop', created.id], relay.env)).state).toBe('stopped');
    expect((await docker!.getContainer(created.resourceId!).inspect()).State.Running).toBe(false);
    expect((await cliJson<EnvironmentView>(['env', 'start', created.id], relay.env)).state).toBe('running');
    const read = await runCli(['env', 'exec', created.id, '--', 'cat', 'kept.txt'], relay.env);
    expect(read).toMatchObject({ code: 0, stdout: 'kept\n' });

    const deleted = await runCli(['env', 'delete', created.id], relay.env);
    expect(deleted.code).toBe(0);
    const label = [`${DOCKER_LABELS.installation}=${installationId}`];
    expect(await docker!.listContainers({ all: true, filters: { label } })).toEqual([]);
    expect((await docker!.listVolumes({ filters: { label } })).Volumes ?? []).toEqual([]);
  });
});
