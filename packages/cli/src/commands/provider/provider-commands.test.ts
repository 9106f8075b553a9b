import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../test-support/run-bin.js';
import { startTestRelay, type TestRelay } from '../../test-support/test-relay.js';

let sandbox: Sandbox;
let relay: TestRelay;

beforeEach(async () => {
  sandbox = await createSandbox();
  relay = await startTestRelay();
});

afterEach(async () => {
  await relay.close();
  await sandbox.cleanup();
});

const codebolt = (...args: string[]) => sandbox.run(['--server', relay.url, '--token', 'test-token', ...args]);
const local = {
  name: 'local',
  version: '0.1.0',
  description: 'a local process',
  capabilities: [],
  configSchema: {
    type: 'object',
    properties: { env: { type: 'object', additionalProperties: { type: 'string' } }, secretEnv: { type: 'object', additionalProperties: { type: 'string' } } },
  },
  secretFields: ['secretEnv'],
  configured: {},
};

describe('provider commands', () => {
  it('provider list prints a table, or one JSON array', async () => {
    relay.route('GET', '/v1/providers', () => ({ status: 200, body: { providers: [local] } }));
    const table = await codebolt('provider', 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+VERSION\s+CAPABILITIES\s+CONFIGURED\s+DESCRIPTION\nlocal\s+0\.1\.0\s+-\s+-\s+a local process\n$/);
    const json = await codebolt('provider', 'list', '--json');
    expect(JSON.parse(json.stdout)).toEqual([local]);
  });

  it('provider configure sends PUT { config } typed by the schema and prints the result', async () => {
    relay.route('GET', '/v1/providers', () => ({ status: 200, body: { providers: [local] } }));
    relay.route('PUT', '/v1/providers/local/config', (request) => ({
      status: 200,
      body: { ...local, configured: { ...(request.body as { config: object }).config, secretEnv: '[secret]' } },
    }));
    const result = await codebolt('--json', 'provider', 'configure', 'local', '--config', 'env.A=1', '--config', 'secretEnv.KEY=hunter2');
    expect(result.code).toBe(0);
    expect(relay.requests[1]?.body).toEqual({ config: { env: { A: '1' }, secretEnv: { KEY: 'hunter2' } } });
    expect(JSON.parse(result.stdout).configured.secretEnv).toBe('[secret]');
  });

  it('provider configure without --config is a usage error', async () => {
    const result = await codebolt('provider', 'configure', 'local');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error bad-request: required option '--config <key=value>' not specified");
  });

  it('an unknown provider exits 3 with provider-not-found', async () => {
    relay.route('GET', '/v1/providers', () => ({ status: 200, body: { providers: [local] } }));
    relay.route('PUT', '/v1/providers/nope/config', () => ({ status: 400, body: { error: { code: 'provider-not-found', message: 'no provider "nope" is installed' } } }));
    const result = await codebolt('provider', 'configure', 'nope', '--config', 'a=b');
    expect(result.code).toBe(3);
    expect(result.stderr).toBe('error provider-not-found: no provider "nope" is installed\nfix: list installed providers with `codebolt provider list`\n');
  });
});
