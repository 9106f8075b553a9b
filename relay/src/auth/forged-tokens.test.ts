import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, type JWK, SignJWT, UnsecuredJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerTokenOf, signingSecret, upgradeStatus, waitForState } from '../test-support/auth-probes.js';
import { type RelayFixture, startRelayFixture } from '../test-support/relay-fixture.js';

const JWKS_ISSUER = 'https://idp.test/';
const JWKS_AUDIENCE = 'codebolt-relay-test';
const HOUR = 3600;

let fixture: RelayFixture;
let jwksServer: Server;
let jwksHits = 0;
let idpKey: CryptoKey;
let idpPublicJwk: JWK;
let idpPublicPem: string;
let attackerKey: CryptoKey;
let ecKey: CryptoKey;
let secret: Uint8Array;
let environmentA: string;
let generationA: number;

beforeAll(async () => {
  const idp = await generateKeyPair('RS256', { extractable: true });
  idpKey = idp.privateKey;
  idpPublicJwk = { ...(await exportJWK(idp.publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
  idpPublicPem = await exportSPKI(idp.publicKey);
  attackerKey = (await generateKeyPair('RS256')).privateKey;
  ecKey = (await generateKeyPair('ES256')).privateKey;
  jwksServer = createServer((_request, response) => {
    jwksHits++;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: [idpPublicJwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  // Every forged token is a failed login from 127.0.0.1: lift the per-address limit (its own test is in limits/).
  fixture = await startRelayFixture({ jwks: { url: jwksUrl, issuer: JWKS_ISSUER, audience: JWKS_AUDIENCE, cooldownMs: 60_000 }, maxFailedAuthPerAddress: 10_000 });
  secret = await signingSecret(fixture.dataDir);
  const created = await fixture.api('/v1/environments', { method: 'POST', body: JSON.stringify({ name: 'forged-a', provider: 'local' }) });
  expect(created.status).toBe(201);
  environmentA = ((await created.json()) as { id: string }).id;
  generationA = (await waitForState(fixture, environmentA, 'running')).runtime.generation;
});

afterAll(async () => {
  await fixture?.close();
  await new Promise<void>((resolve, reject) => jwksServer?.close((error) => (error ? reject(error) : resolve())));
});

const now = () => Math.floor(Date.now() / 1000);

/** A token signed with the relay's own secret, with claims and header overridable. */
function local(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key?: Uint8Array): Promise<string> {
  const payload = { sub: 'alice', tenant: 'default', role: 'admin', typ: 'access', iss: 'codebolt-relay', aud: 'codebolt', iat: now(), nbf: now(), exp: now() + HOUR, ...claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete (payload as Record<string, unknown>)[name];
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: 'local', ...header } as { alg: string }).sign(key ?? secret);
}

/** A token signed by the identity provider's key (or another), verified through the JWKS. */
function fromIdp(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key: CryptoKey = idpKey): Promise<string> {
  const payload = { sub: 'bob', tenant: 'default', role: 'member', iss: JWKS_ISSUER, aud: JWKS_AUDIENCE, iat: now(), nbf: now(), exp: now() + HOUR, ...claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete (payload as Record<string, unknown>)[name];
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'idp-1', ...header } as { alg: string }).sign(key);
}

function tamper(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.');
  const decoded = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
  change(decoded);
  return `${header}.${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${signature}`;
}

const connectUrl = () => `${fixture.relay.url.replace('http', 'ws')}/v1/connect?env=${environmentA}`;
const runtimeUrl = () => `${fixture.relay.url.replace('http', 'ws')}/v1/runtime`;
const providerUrl = () => `${fixture.relay.url.replace('http', 'ws')}/v1/provider`;

/** Every forged app credential must be refused by the HTTP API and before the /v1/connect upgrade. */
const forgedAppTokens: Array<[string, () => Promise<string>]> = [
  ['garbage', async () => 'not-a-jwt'],
  ['alg none', async () => new UnsecuredJWT({ sub: 'alice', tenant: 'default', role: 'admin', typ: 'access' }).setIssuer('codebolt-relay').setAudience('codebolt').setIssuedAt().setNotBefore('0s').setExpirationTime('1h').encode()],
  ['alg none with the local kid', async () => tamper(await local(), () => {}).replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'none', kid: 'local' })).toString('base64url'))],
  ['HS256 with a random secret', () => local({}, {}, new Uint8Array(32).fill(7))],
  ['HS256 signed with the JWKS public key (PEM)', () => local({ iss: JWKS_ISSUER, aud: JWKS_AUDIENCE }, { kid: 'idp-1' }, new TextEncoder().encode(idpPublicPem))],
  ['HS256 signed with the JWKS public key (JWK JSON)', () => local({ iss: JWKS_ISSUER, aud: JWKS_AUDIENCE }, { kid: 'idp-1' }, new TextEncoder().encode(JSON.stringify(idpPublicJwk)))],
  ['HS512 with the local secret', async () => new SignJWT({ sub: 'alice', tenant: 'default', role: 'admin', typ: 'access' }).setProtectedHeader({ alg: 'HS512', kid: 'local' }).setIssuer('codebolt-relay').setAudience('codebolt').setIssuedAt().setNotBefore('0s').setExpirationTime('1h').sign(new Uint8Array([...secret, ...secret]))],
  ['local: unknown kid', () => local({}, { kid: 'other' })],
  ['local: wrong audience', () => local({ aud: 'someone-else' })],
  ['local: wrong issuer', () => local({ iss: 'evil' })],
  ['local: runtime token used as an app token', () => local({ typ: 'runtime', env: 'x', gen: 1 })],
  ['local: no typ', () => local({ typ: undefined })],
  ['local: expired beyond the tolerance', () => local({ exp: now() - 120 })],
  ['local: nbf in the future beyond the tolerance', () => local({ nbf: now() + 120 })],
  ['local: no exp', () => local({ exp: undefined })],
  ['local: no nbf', () => local({ nbf: undefined })],
  ['local: no sub', () => local({ sub: undefined })],
  ['local: unknown role', () => local({ role: 'superuser' })],
  ['local: no tenant', () => local({ tenant: undefined })],
  ['local: tampered payload (member → admin)', async () => tamper(await local({ role: 'member' }), (payload) => (payload.role = 'admin'))],
  ['local: tampered payload (operator claim added)', async () => tamper(await local({ tenant: 'b' }), (payload) => (payload.op = true))],
  ['local: stripped signature', async () => `${(await local()).split('.').slice(0, 2).join('.')}.`],
  ['JWKS: unknown kid', () => fromIdp({}, { kid: 'idp-unknown' })],
  ['JWKS: right kid, attacker key', () => fromIdp({}, {}, attackerKey)],
  ['JWKS: wrong audience', () => fromIdp({ aud: 'codebolt' })],
  ['JWKS: wrong issuer', () => fromIdp({ iss: 'https://evil.test/' })],
  ['JWKS: expired', () => fromIdp({ exp: now() - 120 })],
  ['JWKS: nbf in the future', () => fromIdp({ nbf: now() + 120 })],
  ['JWKS: typ runtime', () => fromIdp({ typ: 'runtime', env: 'x', gen: 1 })],
  ['JWKS: ES256 header on the RSA kid', () => fromIdp({}, { alg: 'ES256' }, ecKey)],
  ['JWKS: tampered payload', async () => tamper(await fromIdp(), (payload) => (payload.role = 'admin'))],
  ['JWKS: stripped signature', async () => `${(await fromIdp()).split('.').slice(0, 2).join('.')}.`],
  ['JWKS: issuer-signed but not an issuer of the local kind (iss codebolt-relay)', () => fromIdp({ iss: 'codebolt-relay', aud: 'codebolt' })],
];

describe('forged tokens', () => {
  it('accepts the genuine local and JWKS tokens (the controls of this suite)', async () => {
    for (const token of [await local(), await fromIdp()]) {
      expect((await fixture.api('/v1/environments', { token })).status).toBe(200);
      expect(await upgradeStatus(connectUrl(), { headers: { authorization: `Bearer ${token}` } })).toBe(101);
    }
  });

  it.each(forgedAppTokens)('refuses %s on HTTP (401) and before the WebSocket upgrade (401)', async (_name, make) => {
    const token = await make();
    const response = await fixture.api('/v1/environments', { token });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect(await upgradeStatus(connectUrl(), { headers: { authorization: `Bearer ${token}` } })).toBe(401);
    expect(await upgradeStatus(connectUrl(), {}, ['codebolt.v1', `bearer.${token}`])).toBe(401);
  });

  it('refuses a genuine token in the query string (401)', async () => {
    const token = await local();
    expect((await fixture.api(`/v1/environments?access_token=${token}`, { token: null })).status).toBe(401);
    expect(await upgradeStatus(`${connectUrl()}&token=${token}`)).toBe(401);
  });

  it('refuses app tokens on /v1/runtime and /v1/provider, and runtime tokens as app tokens (401)', async () => {
    const runtimeToken = await local({ typ: 'runtime', env: environmentA, gen: generationA, sub: `runtime:${environmentA}` });
    for (const token of [await local(), await fromIdp(), fixture.adminToken]) {
      expect(await upgradeStatus(runtimeUrl(), { headers: { authorization: `Bearer ${token}` } })).toBe(401);
      expect(await upgradeStatus(providerUrl(), { headers: { authorization: `Bearer ${token}` } })).toBe(401);
    }
    expect((await fixture.api('/v1/environments', { token: runtimeToken })).status).toBe(401);
    expect(await upgradeStatus(connectUrl(), { headers: { authorization: `Bearer ${runtimeToken}` } })).toBe(401);
    const providerToken = await providerTokenOf(environmentA);
    expect((await fixture.api('/v1/environments', { token: providerToken })).status).toBe(401);
    expect(await upgradeStatus(connectUrl(), { headers: { authorization: `Bearer ${providerToken}` } })).toBe(401);
    expect(await upgradeStatus(runtimeUrl(), { headers: { authorization: `Bearer ${providerToken}` } })).toBe(401);
  });

  it('refuses a runtime token of a stale generation or another environment (401), accepting none of them', async () => {
    const stale = await local({ typ: 'runtime', env: environmentA, gen: generationA - 1, sub: `runtime:${environmentA}` });
    const other = await local({ typ: 'runtime', env: 'env_other', gen: 1, sub: 'runtime:env_other' });
    const expired = await local({ typ: 'runtime', env: environmentA, gen: generationA, sub: `runtime:${environmentA}`, exp: now() - 120 });
    for (const token of [stale, other, expired]) expect(await upgradeStatus(runtimeUrl(), { headers: { authorization: `Bearer ${token}` } })).toBe(401);
  });

  it("refuses another tenant's token on tenant A's environment without revealing it exists (404)", async () => {
    const tenantB = await local({ tenant: 'b', role: 'admin', sub: 'mallory' });
    expect((await fixture.api(`/v1/environments/${environmentA}`, { token: tenantB })).status).toBe(404);
    expect(await upgradeStatus(connectUrl(), { headers: { authorization: `Bearer ${tenantB}` } })).toBe(404);
    const jwksB = await fromIdp({ tenant: 'b' });
    expect(await upgradeStatus(connectUrl(), { headers: { authorization: `Bearer ${jwksB}` } })).toBe(404);
  });

  it('does not refetch the JWKS for every random kid (cooldown)', async () => {
    const before = jwksHits;
    for (let index = 0; index < 20; index++) {
      expect((await fixture.api('/v1/environments', { token: await fromIdp({}, { kid: `random-${index}` }) })).status).toBe(401);
    }
    expect(jwksHits - before).toBeLessThanOrEqual(1);
  });
});
