import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AUTHORIZATION_TABLE, PUBLIC_ENDPOINTS } from '../auth/authorization.js';
import { type Relay, startRelay } from '../relay.js';
import { type RelayFixture, startRelayFixture } from '../test-support/relay-fixture.js';

const SILENT_PROVIDER = resolve(fileURLToPath(import.meta.url), '../../test-support/providers/silent');

let fixture: RelayFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** Polls `probe` (every 50 ms, 60 s at most) until it returns true. */
async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
  }
}

/** The value of one sample line (`name{labels} value`) in Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function stateOf(f: RelayFixture, id: string): Promise<string> {
  return ((await (await f.api(`/v1/environments/${id}`)).json()) as { state: string }).state;
}

/** The pid of the provider process serving one environment (it alone holds CODEBOLT_PROVIDER_TOKEN). */
async function providerPid(environmentId: string): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = (await readFile(`/proc/${entry}/environ`, 'utf8')).split('\0');
      if (environ.includes(`CODEBOLT_ENV_ID=${environmentId}`) && environ.some((line) => line.startsWith('CODEBOLT_PROVIDER_TOKEN='))) return Number(entry);
    } catch {
      // gone meanwhile, or not ours
    }
  }
  throw new Error(`no provider process for ${environmentId}`);
}

describe('observability endpoints', () => {
  it('serves /health and /ready without a token and /metrics only to an operator, with the documented series', async () => {
    fixture = await startRelayFixture();
    const f = fixture;
    expect((await f.api('/health', { token: null })).status).toBe(200);
    await until('/ready', async () => (await f.api('/ready', { token: null })).status === 200);
    expect(await (await f.api('/ready', { token: null })).json()).toEqual({ status: 'ready', checks: { store: 'ok', reconcile: 'ok' } });

    expect((await f.api('/metrics', { token: null })).status).toBe(401);
    const tenantAdmin = ((await (await f.api('/v1/tokens', { method: 'POST', body: JSON.stringify({ tenant: 'default', role: 'admin', ttlSeconds: 60 }) })).json()) as { token: string }).token;
    expect((await f.api('/metrics', { token: tenantAdmin })).status).toBe(403);

    const created = await f.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'metered', provider: 'local' }) });
    const { id } = (await created.json()) as { id: string };
    await until('running', async () => (await stateOf(f, id)) === 'running');

    // An app connection that sends one request through to the runtime.
    const app = new WebSocket(`${f.relay.url.replace('http', 'ws')}/v1/connect?env=${id}`, ['codebolt.v1'], { headers: { authorization: `Bearer ${f.adminToken}` } });
    app.on('error', () => {});
    await new Promise((resolvePromise) => app.once('open', resolvePromise));
    const request = JSON.stringify({ v: 1, type: 'fs.list', id: 'r1', data: { path: '.' } });
    const answered = new Promise<void>((resolvePromise) => app.on('message', (data) => (JSON.parse(data.toString()) as { re?: string }).re === 'r1' && resolvePromise()));
    app.send(request);
    await answered;

    const response = await f.api('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(sample(text, 'codebolt_environments{state="running",provider="local"}')).toBe(1);
    expect(sample(text, 'codebolt_connections{kind="app"}')).toBe(1);
    expect(sample(text, 'codebolt_connections{kind="runtime"}')).toBe(1);
    expect(sample(text, 'codebolt_connections{kind="events"}')).toBe(0);
    expect(sample(text, 'codebolt_relayed_frames_total{from="app"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'codebolt_relayed_bytes_total{from="app"}')).toBeGreaterThanOrEqual(Buffer.byteLength(request));
    expect(sample(text, 'codebolt_relayed_frames_total{from="runtime"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'codebolt_http_request_duration_seconds_count{method="GET",route="/v1/environments/:id"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'codebolt_http_request_duration_seconds_count{method="GET",route="/ready"}')).toBeGreaterThanOrEqual(1);
    // Latency is labelled by route pattern, never by a raw path with an id in it.
    expect(text).not.toContain(id);
    expect(text).toContain('# TYPE codebolt_reconcile_actions_total counter');
    app.close();

    // A provider process that dies is respawned on the next verb, and counted.
    process.kill(await providerPid(id), 'SIGKILL');
    await until('the restart to be counted', async () => {
      if ((await stateOf(f, id)) === 'running') await f.api(`/v1/environments/${id}/stop`, { method: 'POST' });
      return (sample(await (await f.api('/metrics')).text(), 'codebolt_provider_restarts_total{provider="local"}') ?? 0) >= 1;
    });
  });

  it('answers /ready 503 until the boot reconcile has finished, and counts its actions', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'codebolt-ready-test-'));
    let relay: Relay | undefined;
    try {
      // A record that must be reattached on boot, through a provider that never registers.
      relay = await startRelay({ port: 0, dataDir, providerPackages: [SILENT_PROVIDER], providerRegisterTimeoutMs: 500, logLevel: 'error' });
      const token = (await readFile(relay.adminTokenPath, 'utf8')).trim();
      const created = await fetch(`${relay.url}/v1/environments`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'quiet', provider: 'silent' }) });
      const { id } = (await created.json()) as { id: string };
      const first = relay;
      await until('the start to fail', async () => ((await (await fetch(`${first.url}/v1/environments/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { state: string }).state === 'error');
      await relay.close();
      const storePath = join(dataDir, 'environments.json');
      const store = JSON.parse(await readFile(storePath, 'utf8')) as { environments: Array<{ id: string; state: string; resourceId: string | null }> };
      Object.assign(store.environments.find((record) => record.id === id)!, { state: 'running', resourceId: 'resource-1' });
      await writeFile(storePath, JSON.stringify(store));

      relay = await startRelay({ port: 0, dataDir, providerPackages: [SILENT_PROVIDER], providerRegisterTimeoutMs: 5_000, logLevel: 'error' });
      const second = relay;
      const early = await fetch(`${second.url}/ready`);
      expect(early.status).toBe(503);
      expect(await early.json()).toEqual({ status: 'starting', checks: { store: 'ok', reconcile: 'pending' } });
      expect((await fetch(`${second.url}/health`)).status).toBe(200);
      await until('/ready', async () => (await fetch(`${second.url}/ready`)).status === 200);
      const metrics = await (await fetch(`${second.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
      expect(sample(metrics, 'codebolt_reconcile_actions_total{action="retry-later"}')).toBe(1);
    } finally {
      await relay?.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('serves the dashboard without a token, under a strict CSP that refuses framing', async () => {
    fixture = await startRelayFixture();
    const page = await fixture.api('/', { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) expect(csp).toContain(directive);
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<script type="module" src="/dashboard/app.js">');
    const script = await fixture.api('/dashboard/app.js', { token: null });
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain('/v1/events');
    // Every public endpoint answers without a token, and none of them is also in the token table.
    for (const endpoint of PUBLIC_ENDPOINTS) {
      const path = endpoint.slice('GET '.length);
      expect([200, 503], endpoint).toContain((await fixture.api(path, { token: null })).status);
      expect(AUTHORIZATION_TABLE, endpoint).not.toHaveProperty([endpoint]);
    }
    // Anything else stays behind authentication.
    expect((await fixture.api('/dashboard/secrets.json', { token: null })).status).toBe(401);
  });
});
