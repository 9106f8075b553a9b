import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_PROVIDER_DIR, type RelayFixture, startRelayFixture } from './test-support/relay-fixture.js';

const PROVIDERS = resolve(fileURLToPath(import.meta.url), '../test-support/providers');

let fixture: RelayFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

interface View {
  id: string;
  state: string;
  lastError: { code: string; message: string } | null;
}

/** Waits for the environment to reach `state` by listening to its env-state events (no polling). */
async function waitForState(f: RelayFixture, id: string, state: string): Promise<View> {
  const { default: WebSocket } = await import('ws');
  const socket = new WebSocket(`${f.relay.url.replace('http', 'ws')}/v1/connect?env=${id}`, ['codebolt.v1'], { headers: { authorization: `Bearer ${f.adminToken}` } });
  socket.on('error', () => {});
  try {
    return await new Promise<View>((resolvePromise, reject) => {
      socket.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { type: string; data?: { environment?: View } };
        if (frame.type === 'env-state' && frame.data?.environment?.state === state) resolvePromise(frame.data.environment);
      });
      socket.on('close', () => reject(new Error('socket closed before the state was reached')));
    });
  } finally {
    socket.close();
  }
}

describe('provider process failures', () => {
  it('moves the environment to error when the provider exits before registering, with a scrubbed env and the secret only in the environment', async () => {
    fixture = await startRelayFixture({ providerPackages: [LOCAL_PROVIDER_DIR, join(PROVIDERS, 'crashing')], providerRestartInitialDelayMs: 20 });
    const response = await fixture.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'boom', provider: 'crashing', config: { reportFile: 'x' } }) });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as View;
    const failed = await waitForState(fixture, id, 'error');
    // Restarted with backoff until the circuit opened (see provider-supervision.test.ts).
    expect(failed.lastError?.code).toBe('provider-crash-loop');
    expect(failed.lastError?.message).toMatch(/exited \(code 3\) before registering/);
    expect(failed.lastError?.message).toContain(`codebolt env logs ${id}`);
    expect(failed.lastError?.message).toContain('crashing provider: exiting on purpose');

    const report = JSON.parse(await readFile(join(fixture.dataDir, 'crashing-provider-report.json'), 'utf8')) as { envKeys: string[]; argv: string[]; hasToken: boolean; token: string };
    expect(report.hasToken).toBe(true);
    expect(report.argv.join(' ')).not.toContain(report.token);
    const allowed = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ', 'USER', 'NODE_ENV', 'SystemRoot', 'CODEBOLT_RELAY_URL', 'CODEBOLT_PROVIDER_TOKEN', 'CODEBOLT_HOME', 'CODEBOLT_ENV_ID', 'CODEBOLT_PROVIDER_NAME', 'CODEBOLT_INSTALLATION_ID'];
    expect(report.envKeys.filter((key) => !allowed.includes(key))).toEqual([]);

    const log = await (await fixture.api(`/v1/environments/${id}/logs`)).json();
    expect((log as { content: string }).content).toContain('crashing provider: exiting on purpose');
    // The relay stays up and the environment can still be deleted.
    expect((await fixture.api(`/v1/environments/${id}`, { method: 'DELETE' })).status).toBe(202);
  });

  it('moves the environment to error when the provider never registers', async () => {
    fixture = await startRelayFixture({ providerPackages: [join(PROVIDERS, 'silent')], providerRegisterTimeoutMs: 1_000 });
    const response = await fixture.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'quiet', provider: 'silent' }) });
    const { id } = (await response.json()) as View;
    const failed = await waitForState(fixture, id, 'error');
    expect(failed.lastError).toMatchObject({ code: 'provider-unavailable', message: expect.stringContaining('did not register within 1000 ms') });
  });

  it('validates required config fields before spawning anything', async () => {
    fixture = await startRelayFixture({ providerPackages: [join(PROVIDERS, 'crashing')] });
    const response = await fixture.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'noconf', provider: 'crashing' }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'invalid-config', message: expect.stringContaining('config.reportFile: required field is missing') } });
    await expect(readFile(join(fixture.dataDir, 'crashing-provider-report.json'))).rejects.toThrow();
  });
});
