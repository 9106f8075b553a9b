import { afterEach, describe, expect, it } from 'vitest';
import { upgradeStatus } from '../test-support/auth-probes.js';
import { type RelayFixture, startRelayFixture } from '../test-support/relay-fixture.js';

const fixtures: RelayFixture[] = [];
afterEach(async () => {
  for (const fixture of fixtures.splice(0)) await fixture.close();
});

async function start(options: Parameters<typeof startRelayFixture>[0]): Promise<RelayFixture> {
  const fixture = await startRelayFixture(options);
  fixtures.push(fixture);
  return fixture;
}

// /v1/connect on an unknown environment: 404 means the Origin check passed, 403 that it refused.
describe('origin allow-list', () => {
  it('refuses foreign origins (403) on every endpoint and the HTTP API, and lets listed, same-origin and Origin-less clients through', async () => {
    const fixture = await start({ allowedOrigins: ['https://app.example'] });
    const ws = fixture.relay.url.replace('http', 'ws');
    const bearer = { authorization: `Bearer ${fixture.adminToken}` };
    const connect = `${ws}/v1/connect?env=env_missing`;
    expect(await upgradeStatus(connect, { headers: { ...bearer, origin: 'https://evil.example' } })).toBe(403);
    expect(await upgradeStatus(connect, { headers: { origin: 'https://evil.example' } }, ['codebolt.v1', `bearer.${fixture.adminToken}`])).toBe(403);
    expect(await upgradeStatus(connect, { headers: { ...bearer, origin: 'null' } })).toBe(403);
    expect(await upgradeStatus(`${ws}/v1/runtime`, { headers: { ...bearer, origin: 'https://evil.example' } })).toBe(403);
    expect(await upgradeStatus(`${ws}/v1/provider`, { headers: { ...bearer, origin: 'https://evil.example' } })).toBe(403);
    expect((await fixture.api('/v1/environments', { headers: { origin: 'https://evil.example' } })).status).toBe(403);

    expect(await upgradeStatus(connect, { headers: { origin: 'https://app.example' } }, ['codebolt.v1', `bearer.${fixture.adminToken}`])).toBe(404);
    expect(await upgradeStatus(connect, { headers: { ...bearer, origin: fixture.relay.url } })).toBe(404);
    expect(await upgradeStatus(connect, { headers: bearer })).toBe(404);
    expect(await upgradeStatus(connect, {}, ['codebolt.v1', `bearer.${fixture.adminToken}`])).toBe(404);
    expect((await fixture.api('/v1/environments', { headers: { origin: 'https://app.example' } })).status).toBe(200);
  });

  it('refuses a bearer-subprotocol connection without Origin when requireOriginForSubprotocol is set', async () => {
    const fixture = await start({ allowedOrigins: ['https://app.example'], requireOriginForSubprotocol: true });
    const connect = `${fixture.relay.url.replace('http', 'ws')}/v1/connect?env=env_missing`;
    expect(await upgradeStatus(connect, {}, ['codebolt.v1', `bearer.${fixture.adminToken}`])).toBe(403);
    expect(await upgradeStatus(connect, { headers: { origin: 'https://app.example' } }, ['codebolt.v1', `bearer.${fixture.adminToken}`])).toBe(404);
    expect(await upgradeStatus(connect, { headers: { authorization: `Bearer ${fixture.adminToken}` } })).toBe(404);
  });
});
