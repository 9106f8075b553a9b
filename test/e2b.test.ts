import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { E2B_METADATA } from '@codebolt/provider-e2b';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliEnvironment, cliJson, runCli, startRelayProcess, type RelayProcess } from './support/cli.js';
import { E2bStandIn } from './stand-ins/e2b/e2b-stand-in.js';

// The e2b provider through the real relay and CLI, against the E2B STAND-IN (not E2B): the relay
// passes E2B_API_KEY / E2B_API_URL / E2B_SANDBOX_URL from its own environment to the provider
// process (the package's inheritEnv), which points the real `e2b` SDK at the stand-in.
const API_KEY = 'e2b_stand_in_e2e_key';

interface EnvironmentView {
  id: string;
  state: string;
  resourceId: string | null;
}

let standIn: E2bStandIn;
let root: string;
let relay: RelayProcess;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  standIn = await E2bStandIn.start({ apiKey: API_KEY, runtimeBin: createRequire(import.meta.url).resolve('@codebolt/runtime/bin') });
  root = await mkdtemp(join(tmpdir(), 'codebolt-e2e-e2b-'));
  const dataDir = join(root, 'data');
  relay = await startRelayProcess(dataDir, 0, { E2B_API_KEY: API_KEY, E2B_API_URL: standIn.apiUrl, E2B_SANDBOX_URL: standIn.sandboxUrl });
  env = cliEnvironment(dataDir);
});

afterEach(async () => {
  const code = await relay.stop('SIGTERM');
  await standIn.close();
  await rm(root, { recursive: true, force: true });
  expect(code).toBe(0);
});

describe('the e2b provider through the relay and the CLI, against the E2B stand-in', () => {
  it('env create --provider e2b makes a tagged sandbox; exec, stop (pause), start (resume) and delete (kill) work', async () => {
    const created = await cliJson<EnvironmentView>(['env', 'create', 'sbx', '--provider', 'e2b', '--config', 'template=codebolt-base'], env);
    expect(created.state).toBe('running');
    const sandbox = standIn.sandboxes.get(created.resourceId!);
    const { installationId } = JSON.parse(await readFile(join(root, 'data', 'installation.json'), 'utf8')) as { installationId: string };
    expect(sandbox?.metadata).toMatchObject({ [E2B_METADATA.installation]: installationId, [E2B_METADATA.environment]: created.id });

    expect(await runCli(['env', 'exec', created.id, '--', 'sh', '-c', 'echo kept > kept.txt; echo written'], env)).toMatchObject({ code: 0, stdout: 'written\n' });
    expect((await cliJson<EnvironmentView>(['env', 'stop', created.id], env)).state).toBe('stopped');
    expect(standIn.sandboxes.get(created.resourceId!)?.state).toBe('paused');
    expect((await cliJson<EnvironmentView>(['env', 'start', created.id], env)).state).toBe('running');
    expect(await runCli(['env', 'exec', created.id, '--', 'cat', 'kept.txt'], env)).toMatchObject({ code: 0, stdout: 'kept\n' });

    expect((await runCli(['env', 'delete', created.id], env)).code).toBe(0);
    expect(standIn.sandboxes.size).toBe(0);
    expect(relay.output()).not.toContain(API_KEY);
  });

  it('a config without template is refused by the relay naming template, and nothing is made', async () => {
    const refused = await runCli(['env', 'create', 'bad', '--provider', 'e2b'], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('template');
    expect(standIn.requests.filter((request) => request.startsWith('POST /v2/sandboxes'))).toEqual([]);
  });
});
