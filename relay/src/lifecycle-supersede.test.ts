import { afterEach, describe, expect, it } from 'vitest';
import { type RelayFixture, startRelayFixture } from './test-support/relay-fixture.js';

let fixture: RelayFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}

describe('verbs in quick succession', () => {
  it('a delete right after a restart does not wait for the runtime the restart no longer wants', async () => {
    // The runtime connect timeout is long on purpose: the delete must not sit behind it.
    fixture = await startRelayFixture({ runtimeConnectTimeoutMs: 120_000 });
    const created = (await (await fixture.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'quick', provider: 'local' }) })).json()) as { id: string };
    const f = fixture;
    const running = await until(async () => {
      const view = (await (await f.api(`/v1/environments/${created.id}`)).json()) as { state: string };
      return view.state === 'running' ? view : undefined;
    }, 60_000);
    expect(running).toBeDefined();
    expect((await f.api(`/v1/environments/${created.id}/restart`, { method: 'POST' })).status).toBe(202);
    expect((await f.api(`/v1/environments/${created.id}`, { method: 'DELETE' })).status).toBe(202);
    const started = Date.now();
    const gone = await until(async () => ((await f.api(`/v1/environments/${created.id}`)).status === 404 ? true : undefined), 60_000);
    expect(gone).toBe(true);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
