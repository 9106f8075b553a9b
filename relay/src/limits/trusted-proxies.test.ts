import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelay } from '../relay.js';
import { upgradeStatus } from '../test-support/auth-probes.js';
import { type RelayFixture, startRelayFixture } from '../test-support/relay-fixture.js';

let fixture: RelayFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** Closes a relay whose own address ended up blocked (so the fixture cannot list environments); these tests make none. */
async function closeBlocked(relay: RelayFixture): Promise<void> {
  fixture = undefined;
  await relay.relay.close();
  await rm(relay.dataDir, { recursive: true, force: true });
}

const failLogins = async (relay: RelayFixture, forwardedFor: string, count: number) => {
  for (let attempt = 0; attempt < count; attempt++) {
    expect((await relay.api('/v1/environments', { token: `forged-${attempt}`, headers: { 'x-forwarded-for': forwardedFor } })).status).toBe(401);
  }
};

describe('trusted proxies', () => {
  it("behind a trusted proxy, limits and the audit log see X-Forwarded-For's client, one client at a time", async () => {
    const relay = (fixture = await startRelayFixture({ trustedProxies: ['127.0.0.0/8'], maxFailedAuthPerAddress: 3, failedAuthWindowMs: 60_000 }));
    await failLogins(relay, '198.51.100.7, 127.0.0.1', 3);
    // The blocked client is the one named by the header, on HTTP and on the WebSocket endpoint…
    expect((await relay.api('/v1/environments', { headers: { 'x-forwarded-for': '198.51.100.7' } })).status).toBe(429);
    const wsUrl = `${relay.relay.url.replace('http', 'ws')}/v1/connect?env=x`;
    expect(await upgradeStatus(wsUrl, { headers: { authorization: `Bearer ${relay.adminToken}`, 'x-forwarded-for': '198.51.100.7' } })).toBe(429);
    // …and another client behind the same proxy is not.
    expect((await relay.api('/v1/environments', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(200);
    const audit = (await readFile(join(relay.dataDir, 'audit.log'), 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as { action: string; outcome: string; actor: { ip?: string } });
    expect(audit.filter((entry) => entry.action === 'auth' && entry.outcome === 'failure').map((entry) => entry.actor.ip)).toEqual(['198.51.100.7', '198.51.100.7', '198.51.100.7']);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy: a client cannot pick its own address', async () => {
    const relay = (fixture = await startRelayFixture({ maxFailedAuthPerAddress: 3, failedAuthWindowMs: 60_000 }));
    await failLogins(relay, '198.51.100.7', 1);
    await failLogins(relay, '198.51.100.8', 1);
    await failLogins(relay, '198.51.100.9', 1);
    expect((await relay.api('/v1/environments', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(429);
    await closeBlocked(relay);
  });

  it('falls back to the proxy address on a malformed header, and refuses a malformed proxy list at start', async () => {
    const relay = (fixture = await startRelayFixture({ trustedProxies: ['127.0.0.1'], maxFailedAuthPerAddress: 2, failedAuthWindowMs: 60_000 }));
    await failLogins(relay, 'not-an-address', 2);
    expect((await relay.api('/v1/environments', { headers: { 'x-forwarded-for': 'garbage' } })).status).toBe(429);
    expect((await relay.api('/v1/environments', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(200);
    await expect(startRelay({ port: 0, dataDir: join(relay.dataDir, 'other'), trustedProxies: ['10.0.0.0/x'] })).rejects.toMatchObject({ code: 'invalid-config' });
    await closeBlocked(relay);
  });
});
