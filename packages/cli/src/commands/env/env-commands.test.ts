import type { Environment, EnvironmentState } from '@codebolt/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../test-support/run-bin.js';
import { environmentRecord, type RecordedRequest, startTestRelay, type TestRelay } from '../../test-support/test-relay.js';

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

/** GET /v1/environments/:key answers these records in turn (the last repeats; 'gone' = 404). */
function serveSequence(key: string, records: Array<Environment | 'gone'>): void {
  let index = 0;
  relay.route('GET', `/v1/environments/${key}`, () => {
    const record = records[Math.min(index, records.length - 1)];
    index += 1;
    if (record === 'gone') return { status: 404, body: { error: { code: 'environment-not-found', message: `no environment "${key}"; list them with \`codebolt env list\`` } } };
    return { status: 200, body: record };
  });
}

const localProvider = {
  name: 'local',
  version: '0.1.0',
  capabilities: [],
  configSchema: { type: 'object', properties: { env: { type: 'object', additionalProperties: { type: 'string' } } } },
  secretFields: [],
  configured: {},
};
const inState = (state: EnvironmentState): Environment => environmentRecord({ state });
const routesHit = (): string[] => relay.requests.map((request: RecordedRequest) => `${request.method} ${request.path}`);

describe('env list and env get', () => {
  it('prints a compact table', async () => {
    relay.route('GET', '/v1/environments', () => ({ status: 200, body: { environments: [environmentRecord(), environmentRecord({ id: 'env_2', name: 'other', state: 'stopped' })] } }));
    const result = await codebolt('env', 'list');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ID\s+PROVIDER\s+STATE\s+RUNTIME\s+CREATED$/);
    expect(lines[1]).toMatch(/^demo\s+env_1\s+local\s+running\s+connected\s/);
    expect(lines[2]).toMatch(/^other\s+env_2\s+local\s+stopped\s/);
  });

  it('--json prints exactly one JSON document: the array, then the record', async () => {
    relay.route('GET', '/v1/environments', () => ({ status: 200, body: { environments: [environmentRecord()] } }));
    serveSequence('env_1', [environmentRecord()]);
    const list = await codebolt('--json', 'env', 'list');
    expect(list.code).toBe(0);
    expect(list.stderr).toBe('');
    expect(JSON.parse(list.stdout)).toEqual([environmentRecord()]);
    const get = await codebolt('env', 'get', 'env_1', '--json');
    expect(JSON.parse(get.stdout)).toEqual(environmentRecord());
  });

  it('env get shows the lease: budgets, what keeps it alive, when it stops and why it stopped', async () => {
    const lease = {
      idleTimeoutMs: 1_800_000,
      maxLifetimeMs: 28_800_000,
      expiresAt: '2030-01-01T08:00:00.000Z',
      startedAt: '2030-01-01T00:00:00.000Z',
      lifetimeExpiresAt: '2030-01-01T08:00:00.000Z',
      idleExpiresAt: null,
      lastActivityAt: '2030-01-01T00:10:00.000Z',
      keptAliveBy: ['running-processes'],
      activity: { appConnections: 2, runningProcesses: 1 },
    };
    serveSequence('env_1', [environmentRecord({ lease })]);
    const running = await codebolt('env', 'get', 'env_1');
    expect(running.stdout).toMatch(/^lease:\s+idle timeout 30m, max lifetime 8h$/m);
    expect(running.stdout).toMatch(/^kept alive by:\s+running-processes — 2 app connection\(s\), 1 running process\(es\); last activity 2030-01-01T00:10:00.000Z$/m);
    expect(running.stdout).toMatch(/^stops at:\s+2030-01-01T08:00:00.000Z \(max lifetime\)$/m);

    relay.route('GET', '/v1/environments/env_2', () => ({
      status: 200,
      body: environmentRecord({
        id: 'env_2',
        state: 'stopped',
        desiredState: 'stopped',
        lease: { ...lease, expiresAt: null },
        stopReason: { reason: 'idle-timeout', message: 'stopped by the relay after 1800000 ms without activity (idle timeout)', at: '2030-01-01T01:00:00.000Z' },
      }),
    }));
    const stopped = await codebolt('env', 'get', 'env_2');
    expect(stopped.stdout).toMatch(/^stops at:\s+not scheduled$/m);
    expect(stopped.stdout).toMatch(/^stop reason:\s+idle-timeout: stopped by the relay after 1800000 ms without activity \(idle timeout\) \(2030-01-01T01:00:00.000Z\)$/m);
    expect(stopped.stdout).not.toContain('kept alive by');
  });

  it('env create passes --idle-timeout and --max-lifetime as the lease', async () => {
    relay.route('POST', '/v1/environments', () => ({ status: 201, body: inState('creating') }));
    const result = await codebolt('--json', 'env', 'create', 'demo', '--provider', 'local', '--idle-timeout', '30m', '--max-lifetime', 'none', '--no-wait');
    expect(result.code).toBe(0);
    expect(relay.requests[0]?.body).toEqual({ name: 'demo', provider: 'local', config: {}, lease: { idleTimeoutMs: 1_800_000, maxLifetimeMs: null } });
  });

  it('an HTTP error prints `error <code>: <message>` and a fix, exits non-zero, prints nothing on stdout', async () => {
    serveSequence('nope', ['gone']);
    const result = await codebolt('--json', 'env', 'get', 'nope');
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('error environment-not-found: no environment "nope"; list them with `codebolt env list`\nfix: list environments with `codebolt env list`\n');
  });

  it('a wrong token exits 2 with unauthorized', async () => {
    const result = await sandbox.run(['--server', relay.url, '--token', 'wrong', 'env', 'list']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error unauthorized: /);
    expect(result.stderr).not.toContain('wrong');
  });

  it('an unreachable relay exits 5 with relay-unreachable naming the URL', async () => {
    const url = relay.url;
    await relay.close();
    relay = await startTestRelay();
    const result = await sandbox.run(['--server', url, '--token', 'test-token', 'env', 'list']);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`error relay-unreachable: cannot reach the Codebolt relay at ${url}`);
    expect(result.stderr).toContain('pnpm codebolt serve');
  });

  it('a usage error exits 1 with bad-request', async () => {
    const result = await codebolt('env', 'get');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("error bad-request: missing required argument 'id'\nfix: check the arguments; `codebolt <command> --help` lists them\n");
  });
});

describe('env create', () => {
  it('posts name, provider and config typed by the provider schema, waits until running and prints the record', async () => {
    relay.route('GET', '/v1/providers', () => ({ status: 200, body: { providers: [localProvider] } }));
    relay.route('POST', '/v1/environments', () => ({ status: 201, body: inState('creating') }));
    serveSequence('env_1', [inState('creating'), inState('starting'), inState('running')]);
    const result = await codebolt('--json', 'env', 'create', 'demo', '--provider', 'local', '--config', 'env.PORT=3000', '--config', 'memoryMb=512', '--config', 'debug=true');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).state).toBe('running');
    expect(relay.requests[1]?.body).toEqual({ name: 'demo', provider: 'local', config: { env: { PORT: '3000' }, memoryMb: 512, debug: true } });
    expect(routesHit().filter((route) => route === 'GET /v1/environments/env_1')).toHaveLength(3);
  });

  it('--no-wait prints the record as accepted (creating) without polling', async () => {
    relay.route('POST', '/v1/environments', () => ({ status: 201, body: inState('creating') }));
    const result = await codebolt('env', 'create', 'demo', '--provider', 'local', '--no-wait');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^state:\s+creating \(desired: running\)$/m);
    expect(routesHit()).toEqual(['POST /v1/environments']);
  });

  it('an environment that lands in error exits non-zero with its lastError', async () => {
    relay.route('POST', '/v1/environments', () => ({ status: 201, body: inState('creating') }));
    serveSequence('env_1', [
      inState('starting'),
      environmentRecord({ state: 'error', lastError: { code: 'provider-unavailable', message: 'provider local did not register within 15000 ms', at: new Date(0).toISOString() } }),
    ]);
    const result = await codebolt('env', 'create', 'demo', '--provider', 'local');
    expect(result.code).toBe(5);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error provider-unavailable: environment demo (env_1) failed: provider local did not register within 15000 ms\n');
  });

  it('a malformed --config is a usage error before any request', async () => {
    const result = await codebolt('env', 'create', 'demo', '--provider', 'local', '--config', 'novalue');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error bad-request: --config expects key=value (got "novalue")');
    expect(relay.requests).toHaveLength(0);
  });

  it('--provider is required', async () => {
    const result = await codebolt('env', 'create', 'demo');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error bad-request: required option '--provider <name>' not specified");
  });
});

describe('env start, stop, restart, delete', () => {
  it('stop finds the environment by name, posts stop and waits until stopped', async () => {
    serveSequence('demo', [inState('running')]);
    relay.route('POST', '/v1/environments/env_1/stop', () => ({ status: 202, body: inState('stopping') }));
    serveSequence('env_1', [inState('stopping'), inState('stopped')]);
    const result = await codebolt('env', 'stop', 'demo');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('demo (env_1): stopped\n');
    expect(routesHit()).toEqual(['GET /v1/environments/demo', 'POST /v1/environments/env_1/stop', 'GET /v1/environments/env_1', 'GET /v1/environments/env_1']);
  });

  it('start and restart wait until running', async () => {
    serveSequence('env_1', [inState('stopped'), inState('starting'), inState('running')]);
    relay.route('POST', '/v1/environments/env_1/start', () => ({ status: 202, body: inState('starting') }));
    const start = await codebolt('--json', 'env', 'start', 'env_1');
    expect(start.code).toBe(0);
    expect(JSON.parse(start.stdout).state).toBe('running');
    serveSequence('env_1', [inState('running'), inState('starting'), inState('running')]);
    relay.route('POST', '/v1/environments/env_1/restart', () => ({ status: 202, body: inState('starting') }));
    const restart = await codebolt('env', 'restart', 'env_1');
    expect(restart.stdout).toBe('demo (env_1): running\n');
  });

  it('a refused verb exits with its code (invalid-state → 4)', async () => {
    serveSequence('env_1', [inState('deleting')]);
    relay.route('POST', '/v1/environments/env_1/start', () => ({ status: 409, body: { error: { code: 'invalid-state', message: 'environment demo is being deleted' } } }));
    const result = await codebolt('env', 'start', 'env_1');
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('error invalid-state: environment demo is being deleted\n');
  });

  it('delete waits until the environment is gone', async () => {
    serveSequence('env_1', [inState('running'), inState('deleting'), 'gone']);
    relay.route('DELETE', '/v1/environments/env_1', () => ({ status: 202, body: inState('deleting') }));
    const result = await codebolt('env', 'delete', 'env_1');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('demo (env_1): deleted\n');
    expect(routesHit()).toEqual(['GET /v1/environments/env_1', 'DELETE /v1/environments/env_1', 'GET /v1/environments/env_1', 'GET /v1/environments/env_1']);
  });
});

describe('env logs', () => {
  it('prints provider.log from offset 0', async () => {
    serveSequence('env_1', [inState('running')]);
    relay.route('GET', '/v1/environments/env_1/logs', (request) => ({ status: 200, body: { content: 'line one\nline two\n', offset: Number(request.query.get('offset')), nextOffset: 18 } }));
    const result = await codebolt('env', 'logs', 'env_1');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('line one\nline two\n');
    expect(relay.requests.at(-1)?.query.get('offset')).toBe('0');
  });

  it('-f follows with nextOffset and stops on Ctrl-C with exit 0', async () => {
    serveSequence('env_1', [inState('running')]);
    const pieces = ['first\n', 'second\n'];
    let offset = 0;
    relay.route('GET', '/v1/environments/env_1/logs', (request) => {
      expect(Number(request.query.get('offset'))).toBe(offset);
      const content = pieces.shift() ?? '';
      const answer = { content, offset, nextOffset: offset + content.length };
      offset = answer.nextOffset;
      return { status: 200, body: answer };
    });
    const child = sandbox.start(['--server', relay.url, '--token', 'test-token', 'env', 'logs', 'env_1', '-f']);
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout === 'first\nsecond\n') resolve();
      });
    });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toBe('first\nsecond\n');
  });

  it('-f with --json is refused', async () => {
    const result = await codebolt('--json', 'env', 'logs', 'env_1', '-f');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error bad-request: --json prints one document and cannot follow a log');
  });
});
