import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { CodeboltError } from '@codebolt/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from './codebolt-client.js';
import { environmentRecord, startTestRelay, type TestRelay } from './test-support/test-relay.js';

let relay: TestRelay;
const releases: Array<() => void> = [];

beforeEach(async () => {
  relay = await startTestRelay();
});

afterEach(async () => {
  for (const release of releases.splice(0)) release();
  await relay.close();
});

function client(token = 'test-token') {
  return createClient({ url: relay.url, token });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('environments over HTTP', () => {
  it('create posts the input with the bearer token and the Idempotency-Key header', async () => {
    relay.route('POST', '/v1/environments', (request) => ({ status: 201, body: environmentRecord({ name: (request.body as { name: string }).name, state: 'creating' }) }));
    const created = await client().environments.create({ name: 'demo', provider: 'local', config: { env: { A: '1' } } }, { idempotencyKey: 'key-123' });
    expect(created.state).toBe('creating');
    expect(created.name).toBe('demo');
    const [request] = relay.requests;
    expect(request?.method).toBe('POST');
    expect(request?.headers.authorization).toBe('Bearer test-token');
    expect(request?.headers['idempotency-key']).toBe('key-123');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toEqual({ name: 'demo', provider: 'local', config: { env: { A: '1' } } });
  });

  it('create without an idempotency key sends no such header', async () => {
    relay.route('POST', '/v1/environments', () => ({ status: 201, body: environmentRecord({ state: 'creating' }) }));
    await client().environments.create({ name: 'demo', provider: 'local' });
    expect(relay.requests[0]?.headers['idempotency-key']).toBeUndefined();
  });

  it('maps list, get, the verbs, delete and logs onto their routes', async () => {
    relay.route('GET', '/v1/environments', () => ({ status: 200, body: { environments: [environmentRecord(), environmentRecord({ id: 'env_2', name: 'other' })] } }));
    relay.route('GET', '/v1/environments/my env', () => ({ status: 200, body: environmentRecord({ name: 'my env' }) }));
    for (const verb of ['start', 'stop', 'restart']) {
      relay.route('POST', `/v1/environments/env_1/${verb}`, () => ({ status: 202, body: environmentRecord({ state: verb === 'stop' ? 'stopping' : 'starting' }) }));
    }
    relay.route('DELETE', '/v1/environments/env_1', () => ({ status: 202, body: environmentRecord({ state: 'deleting' }) }));
    relay.route('GET', '/v1/environments/env_1/logs', (request) => ({
      status: 200,
      body: { content: 'line\n', offset: Number(request.query.get('offset')), nextOffset: Number(request.query.get('offset')) + 5 },
    }));
    const sdk = client();
    expect((await sdk.environments.list()).map((environment) => environment.name)).toEqual(['demo', 'other']);
    expect((await sdk.environments.get('my env')).name).toBe('my env');
    expect((await sdk.environments.start('env_1')).state).toBe('starting');
    expect((await sdk.environments.stop('env_1')).state).toBe('stopping');
    expect((await sdk.environments.restart('env_1')).state).toBe('starting');
    expect((await sdk.environments.delete('env_1')).state).toBe('deleting');
    expect(await sdk.environments.logs('env_1', { offset: 7 })).toEqual({ content: 'line\n', offset: 7, nextOffset: 12 });
    expect(relay.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /v1/environments',
      'GET /v1/environments/my env',
      'POST /v1/environments/env_1/start',
      'POST /v1/environments/env_1/stop',
      'POST /v1/environments/env_1/restart',
      'DELETE /v1/environments/env_1',
      'GET /v1/environments/env_1/logs',
    ]);
  });

  it('turns an error body into a CodeboltError with the wire code and message', async () => {
    relay.route('GET', '/v1/environments/nope', () => ({ status: 404, body: { error: { code: 'environment-not-found', message: 'no environment "nope"; list them with codebolt env list' } } }));
    const error = await rejection(client().environments.get('nope'));
    expect(error).toBeInstanceOf(CodeboltError);
    expect((error as CodeboltError).code).toBe('environment-not-found');
    expect((error as CodeboltError).message).toBe('no environment "nope"; list them with codebolt env list');
  });

  it('a wrong token becomes unauthorized', async () => {
    const error = await rejection(client('wrong').environments.list());
    expect((error as CodeboltError).code).toBe('unauthorized');
  });

  it('an error without a body gets a code from the status and names the URL', async () => {
    relay.route('GET', '/v1/environments', () => ({ status: 502, text: '<html>bad gateway</html>' }));
    const error = (await rejection(client().environments.list())) as CodeboltError;
    expect(error.code).toBe('internal');
    expect(error.message).toContain(`${relay.url}/v1/environments`);
    expect(error.message).toContain('HTTP 502');
  });

  it('a 2xx body of the wrong shape is an internal error naming the field', async () => {
    relay.route('GET', '/v1/environments/env_1', () => ({ status: 200, body: { id: 'env_1' } }));
    const error = (await rejection(client().environments.get('env_1'))) as CodeboltError;
    expect(error.code).toBe('internal');
    expect(error.message).toMatch(/unexpected answer from GET .*: name:/);
  });

  it('an unreachable relay is relay-unreachable naming the URL and `pnpm codebolt serve`', async () => {
    const port = await closedPort();
    const error = (await rejection(createClient({ url: `http://127.0.0.1:${port}`, token: 't' }).environments.list())) as CodeboltError;
    expect(error.code).toBe('relay-unreachable');
    expect(error.message).toContain(`http://127.0.0.1:${port}`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('pnpm codebolt serve');
    expect(error.message).not.toContain('t@');
  });

  it('aborting the signal rejects an in-flight call with the abort reason', async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    relay.route('GET', '/v1/environments', () => {
      arrived();
      return new Promise((resolve) => releases.push(() => resolve({ status: 200, body: { environments: [] } })));
    });
    const controller = new AbortController();
    const pending = client().environments.list({ signal: controller.signal });
    await requestArrived;
    const reason = new Error('user gave up');
    controller.abort(reason);
    expect(await rejection(pending)).toBe(reason);
  });

  it('an already aborted signal rejects without a request', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(client().environments.get('env_1', { signal: controller.signal }));
    expect((error as Error).name).toBe('AbortError');
    expect(relay.requests).toHaveLength(0);
  });

  it('a call past requestTimeoutMs fails with timeout', async () => {
    relay.route('GET', '/v1/environments', () => new Promise((resolve) => releases.push(() => resolve({ status: 200, body: { environments: [] } }))));
    const sdk = createClient({ url: relay.url, token: 'test-token', requestTimeoutMs: 200 });
    const error = (await rejection(sdk.environments.list())) as CodeboltError;
    expect(error.code).toBe('timeout');
    expect(error.message).toContain('200 ms');
  });

  it('asks getToken before every request', async () => {
    relay.route('GET', '/v1/environments', () => ({ status: 200, body: { environments: [] } }));
    const tokens = ['first', 'test-token'];
    const sdk = createClient({ url: relay.url, getToken: async () => tokens.shift() ?? 'none' });
    expect(((await rejection(sdk.environments.list())) as CodeboltError).code).toBe('unauthorized');
    await sdk.environments.list();
    expect(relay.requests.map((request) => request.headers.authorization)).toEqual(['Bearer first', 'Bearer test-token']);
  });

  it('without a token it fails with unauthorized before sending anything', async () => {
    const error = (await rejection(createClient({ url: relay.url }).environments.list())) as CodeboltError;
    expect(error.code).toBe('unauthorized');
    expect(error.message).toContain('pass `token` or `getToken`');
    expect(relay.requests).toHaveLength(0);
  });

  it('health goes without a token', async () => {
    relay.route('GET', '/health', () => ({ status: 200, body: { status: 'ok', version: '0.1.0' } }));
    expect(await createClient({ url: relay.url }).health()).toEqual({ status: 'ok', version: '0.1.0' });
    expect(relay.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('keeps a path prefix of the base URL and drops a trailing slash', async () => {
    const sdk = createClient({ url: `${relay.url}/relay/`, token: 'test-token' });
    relay.route('GET', '/relay/v1/environments', () => ({ status: 200, body: { environments: [] } }));
    expect(await sdk.environments.list()).toEqual([]);
    expect(sdk.url).toBe(`${relay.url}/relay`);
  });

  it('refuses a URL that is not http(s) or carries credentials', () => {
    expect(() => createClient({ url: 'ftp://host' })).toThrow(/http:\/\/ or https:\/\//);
    expect(() => createClient({ url: 'http://user:secret@host' })).toThrow(/must not carry credentials/);
    expect(() => createClient({ url: 'not a url' })).toThrow(CodeboltError);
  });
});

describe('providers over HTTP', () => {
  const local = { name: 'local', version: '0.1.0', capabilities: [], configSchema: { type: 'object' }, secretFields: ['secretEnv'], configured: {} };

  it('lists providers and configures one with PUT { config }', async () => {
    relay.route('GET', '/v1/providers', () => ({ status: 200, body: { providers: [local] } }));
    relay.route('PUT', '/v1/providers/local/config', (request) => ({ status: 200, body: { ...local, configured: (request.body as { config: object }).config } }));
    const sdk = client();
    expect(await sdk.providers.list()).toEqual([local]);
    const configured = await sdk.providers.configure('local', { env: { A: '1' } });
    expect(configured.configured).toEqual({ env: { A: '1' } });
    expect(relay.requests[1]?.body).toEqual({ config: { env: { A: '1' } } });
  });

  it('an invalid config comes back as invalid-config', async () => {
    relay.route('PUT', '/v1/providers/local/config', () => ({ status: 400, body: { error: { code: 'invalid-config', message: 'config.env: expected object' } } }));
    const error = (await rejection(client().providers.configure('local', { env: 1 }))) as CodeboltError;
    expect(error.code).toBe('invalid-config');
    expect(error.message).toBe('config.env: expected object');
  });
});

/** A port that nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}
