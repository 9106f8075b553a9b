import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RelayFixture, startRelayFixture } from './test-support/relay-fixture.js';
import { AUTHORIZATION_TABLE } from './auth/authorization.js';

let fixture: RelayFixture;
beforeEach(async () => {
  fixture = await startRelayFixture();
});
afterEach(async () => {
  await fixture.close();
});

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return body.error;
}

describe('HTTP API', () => {
  it('answers /health without a credential and everything else only with one', async () => {
    const health = await fetch(`${fixture.relay.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });

    const none = await fixture.api('/v1/environments', { token: null });
    expect(none.status).toBe(401);
    expect((await errorOf(none)).code).toBe('unauthorized');

    const wrong = await fixture.api('/v1/environments', { token: 'not-a-jwt' });
    expect(wrong.status).toBe(401);

    const metrics = await fixture.api('/metrics', { token: null });
    expect(metrics.status).toBe(401);
    const list = await fixture.api('/v1/environments');
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ environments: [] });
  });

  it('refuses a token in the query string', async () => {
    const response = await fetch(`${fixture.relay.url}/v1/environments?token=${fixture.adminToken}`);
    expect(response.status).toBe(401);
    expect((await errorOf(response)).message).toMatch(/credentials in the URL are refused/);
  });

  it('names the installed providers when the provider is unknown', async () => {
    const response = await fixture.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'demo', provider: 'nope' }) });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe('provider-not-found');
    expect(error.message).toContain('installed providers: local');
  });

  it('answers 404 environment-not-found for an unknown environment', async () => {
    for (const [method, path] of [
      ['GET', '/v1/environments/env_missing'],
      ['POST', '/v1/environments/env_missing/start'],
      ['DELETE', '/v1/environments/env_missing'],
      ['GET', '/v1/environments/env_missing/logs'],
    ] as const) {
      const response = await fixture.api(path, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect((await errorOf(response)).code).toBe('environment-not-found');
    }
  });

  it('answers bad-request for invalid JSON and invalid bodies, and stays up', async () => {
    const badJson = await fixture.api('/v1/environments', { method: 'POST', body: '{"name":' });
    expect(badJson.status).toBe(400);
    expect(await errorOf(badJson)).toEqual({ code: 'bad-request', message: 'request body is not valid JSON' });

    const badName = await fixture.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: '../x', provider: 'local' }) });
    expect(badName.status).toBe(400);
    expect((await errorOf(badName)).message).toMatch(/^invalid body: name:/);

    const extra = await fixture.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'x', provider: 'local', nope: 1 }) });
    expect(extra.status).toBe(400);
    expect((await fixture.api('/v1/environments')).status).toBe(200);
  });

  it('rejects an invalid provider config naming the field, before anything is spawned', async () => {
    const response = await fixture.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'demo', provider: 'local', config: { env: { A: 1 } } }) });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe('invalid-config');
    expect(error.message).toContain('config.env.A');
    const unknown = await fixture.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'demo', provider: 'local', config: { colour: 'red' } }) });
    expect((await errorOf(unknown)).message).toContain('unknown field "colour"');
    expect(await (await fixture.api('/v1/environments')).json()).toEqual({ environments: [] });
  });

  it('refuses an unknown route after authentication and lists every route in the authorization table', async () => {
    const response = await fixture.api('/v1/nothing');
    expect(response.status).toBe(404);
    const { apiRoutes } = await import('./http/routes.js');
    const routes = apiRoutes({} as never);
    for (const route of routes) expect(AUTHORIZATION_TABLE, `${route.method} ${route.path}`).toHaveProperty([`${route.method} ${route.path}`]);
  });

  it('serves the OpenAPI document and Prometheus metrics', async () => {
    const openapi = (await (await fixture.api('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths)).toContain('/v1/environments/{id}/start');
    const metrics = await fixture.api('/metrics');
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('codebolt_runtime_connections 0');
  });

  it('stores relay-level provider config with secrets encrypted and never shows them', async () => {
    const response = await fixture.api('/v1/providers/local/config', { method: 'PUT', body: JSON.stringify({ config: { env: { A: 'b' }, secretEnv: { KEY: 'hunter2-secret' } } }) });
    expect(response.status).toBe(200);
    const info = (await response.json()) as { configured: Record<string, unknown>; secretFields: string[] };
    expect(info.secretFields).toEqual(['secretEnv']);
    expect(info.configured).toEqual({ env: { A: 'b' }, secretEnv: '[secret]' });
    const { readFile } = await import('node:fs/promises');
    const onDisk = await readFile(`${fixture.dataDir}/providers.json`, 'utf8');
    expect(onDisk).not.toContain('hunter2-secret');
    expect(onDisk).toContain('"A": "b"');
    const bad = await fixture.api('/v1/providers/local/config', { method: 'PUT', body: JSON.stringify({ config: { env: 'x' } }) });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toContain('config.env');
  });
});
