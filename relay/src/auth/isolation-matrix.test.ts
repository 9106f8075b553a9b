import { APP_REQUEST_TYPES, RELAY_REQUEST_TYPES } from '@codebolt/protocol';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { providerTokenOf, signingSecret, upgradeStatus, waitForState } from '../test-support/auth-probes.js';
import { type RelayFixture, startRelayFixture } from '../test-support/relay-fixture.js';
import { AUTHORIZATION_TABLE, ROLE_RANK, type Requirement } from './authorization.js';

type Subject = 'A viewer' | 'A member' | 'A admin' | 'B member' | 'runtime of A' | 'provider of A' | 'operator';
const SUBJECTS: Subject[] = ['A viewer', 'A member', 'A admin', 'B member', 'runtime of A', 'provider of A', 'operator'];
type Verdict = 'allowed' | 'denied';

let fixture: RelayFixture;
const tokens = {} as Record<Subject, string>;
let environmentA: string;

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

async function mint(tenant: string, role: string, operator = false): Promise<string> {
  const response = await fixture.api('/v1/tokens', { method: 'POST', body: JSON.stringify({ tenant, role, ttlSeconds: 600, operator }) });
  expect(response.status).toBe(201);
  return (await json<{ token: string }>(response)).token;
}

async function createEnvironment(token: string, name: string): Promise<string> {
  const response = await fixture.api('/v1/environments', { method: 'POST', token, body: JSON.stringify({ name, provider: 'local' }) });
  expect(response.status).toBe(201);
  const { id } = await json<{ id: string }>(response);
  await waitForState(fixture, id, 'running');
  return id;
}

beforeAll(async () => {
  // The runtime and provider subjects fail authentication on every route: lift the per-address limit.
  fixture = await startRelayFixture({ maxFailedAuthPerAddress: 10_000 });
  tokens['A viewer'] = await mint('a', 'viewer');
  tokens['A member'] = await mint('a', 'member');
  tokens['A admin'] = await mint('a', 'admin');
  tokens['B member'] = await mint('b', 'member');
  tokens.operator = await mint('ops', 'admin', true);
  environmentA = await createEnvironment(tokens['A admin'], 'matrix-a');
  const { runtime } = await waitForState(fixture, environmentA, 'running');
  tokens['runtime of A'] = await new SignJWT({ env: environmentA, gen: runtime.generation, typ: 'runtime' })
    .setProtectedHeader({ alg: 'HS256', kid: 'local' })
    .setSubject(`runtime:${environmentA}`)
    .setIssuer('codebolt-relay')
    .setAudience('codebolt')
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime('10m')
    .sign(await signingSecret(fixture.dataDir));
  tokens['provider of A'] = await providerTokenOf(environmentA);
});

afterAll(async () => {
  await fixture?.close();
});

/** What the authorization model says, written independently of the relay's code paths. */
function expected(subject: Subject, permission: string): Verdict {
  if (subject === 'runtime of A' || subject === 'provider of A') return 'denied';
  if (subject === 'operator') return 'allowed';
  const rank = { 'A viewer': 1, 'A member': 2, 'A admin': 3, 'B member': 2 }[subject];
  const environmentScoped = permission.includes(':id') || permission.startsWith('WS ');
  if (subject === 'B member' && environmentScoped) return 'denied';
  const needed: Requirement | undefined = (AUTHORIZATION_TABLE as Record<string, Requirement>)[permission];
  if (!needed) throw new Error(`no table entry for ${permission}`);
  return rank >= ROLE_RANK[needed] ? 'allowed' : 'denied';
}

/** A refusal by authentication, authorization or tenant isolation; anything else got past them. */
const verdictOf = (status: number): Verdict => ([401, 403, 404].includes(status) ? 'denied' : 'allowed');

/** Sends one app message and then a sentinel; resolves with the error code answered to the message, if any. */
function messageErrorCode(socket: WebSocket, type: string, index: number): Promise<string | undefined> {
  const id = `m${index}`;
  const sentinel = `s${index}`;
  return new Promise((resolve, reject) => {
    let code: string | undefined;
    const timer = setTimeout(() => reject(new Error(`no answer to the sentinel after ${type}`)), 30_000);
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(data.toString()) as { re?: string; error?: { code: string } };
      if (frame.re === id && frame.error) code = frame.error.code;
      if (frame.re === sentinel) {
        clearTimeout(timer);
        socket.off('message', onMessage);
        resolve(code);
      }
    };
    socket.on('message', onMessage);
    socket.send(JSON.stringify({ v: 1, type, id, data: {} }));
    socket.send(JSON.stringify({ v: 1, type: 'diff', id: sentinel, data: { nonsense: true } }));
  });
}

async function openSocket(token: string): Promise<WebSocket> {
  const socket = new WebSocket(`${fixture.relay.url.replace('http', 'ws')}/v1/connect?env=${environmentA}`, ['codebolt.v1'], { headers: { authorization: `Bearer ${token}` } });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', () => reject(new Error('refused')));
  });
  return socket;
}

describe('isolation matrix', () => {
  it('has an entry for every app message type in the authorization table', () => {
    for (const type of [...APP_REQUEST_TYPES, ...RELAY_REQUEST_TYPES]) expect(AUTHORIZATION_TABLE, type).toHaveProperty([`WS ${type}`]);
  });

  it('allows and denies every subject × WebSocket endpoint and message type as the model says, with zero cross-tenant successes', async () => {
    const actual: Record<string, Verdict> = {};
    const wanted: Record<string, Verdict> = {};
    const wsBase = fixture.relay.url.replace('http', 'ws');
    for (const subject of SUBJECTS) {
      const headers = { authorization: `Bearer ${tokens[subject]}` };
      const connect = await upgradeStatus(`${wsBase}/v1/connect?env=${environmentA}`, { headers });
      actual[`${subject} | WS /v1/connect`] = verdictOf(connect);
      wanted[`${subject} | WS /v1/connect`] = expected(subject, 'WS /v1/connect');
      // Only the runtime's own token opens /v1/runtime and only a provider's secret opens /v1/provider.
      if (subject !== 'runtime of A') expect(await upgradeStatus(`${wsBase}/v1/runtime`, { headers }), subject).toBe(401);
      if (subject !== 'provider of A') expect(await upgradeStatus(`${wsBase}/v1/provider`, { headers }), subject).toBe(401);
      const socket = connect === 101 ? await openSocket(tokens[subject]) : undefined;
      for (const [index, type] of [...APP_REQUEST_TYPES, ...RELAY_REQUEST_TYPES].entries()) {
        const key = `${subject} | WS ${type}`;
        wanted[key] = expected(subject, `WS ${type}`);
        actual[key] = socket && (await messageErrorCode(socket, type, index)) !== 'forbidden' ? 'allowed' : 'denied';
      }
      socket?.close();
    }
    expect(actual).toEqual(wanted);
    const crossTenant = Object.entries(actual).filter(([key, verdict]) => key.startsWith('B member') && verdict === 'allowed');
    expect(crossTenant).toEqual([]);
  });

  it('allows and denies every subject × HTTP route as the model says, with zero cross-tenant successes', async () => {
    const routes = Object.keys(AUTHORIZATION_TABLE).filter((permission) => !permission.startsWith('WS '));
    const actual: Record<string, Verdict> = {};
    const wanted: Record<string, Verdict> = {};
    // Destructive verbs go last so that the others see environment A as it was.
    const order = (permission: string) => (permission.startsWith('DELETE') ? 3 : /stop|restart/.test(permission) ? 2 : 1);
    routes.sort((left, right) => order(left) - order(right));
    for (const subject of SUBJECTS) {
      for (const permission of routes) {
        const [method, pattern] = permission.split(' ') as [string, string];
        let target = environmentA;
        // A subject that may delete gets its own disposable environment in tenant A.
        if (method === 'DELETE' && expected(subject, permission) === 'allowed') target = await createEnvironment(tokens['A admin'], `dispose-${subject.replace(/\W/g, '')}`);
        const path = pattern.replace(':id', target).replace(':name', 'local');
        const body = permission === 'POST /v1/tokens' ? { tenant: 'a', role: 'viewer', ttlSeconds: 60 } : method === 'POST' || method === 'PUT' ? {} : undefined;
        const response = await fixture.api(path, { method, token: tokens[subject], ...(body ? { body: JSON.stringify(body) } : {}) });
        await response.arrayBuffer();
        actual[`${subject} | ${permission}`] = verdictOf(response.status);
        wanted[`${subject} | ${permission}`] = expected(subject, permission);
      }
    }
    expect(actual).toEqual(wanted);
    expect(Object.entries(actual).filter(([key, verdict]) => key.startsWith('B member') && verdict === 'allowed' && /:id/.test(key))).toEqual([]);
    // Listing shows only the caller's tenant (the operator sees all).
    const listed = await json<{ environments: Array<{ id: string; tenant: string }> }>(await fixture.api('/v1/environments', { token: tokens['B member'] }));
    expect(listed.environments.map((environment) => environment.id)).not.toContain(environmentA);
    const all = await json<{ environments: Array<{ id: string }> }>(await fixture.api('/v1/environments', { token: tokens.operator }));
    expect(all.environments.map((environment) => environment.id)).toContain(environmentA);
    // Environment A survived every denied delete (and settles after the allowed restarts).
    expect((await waitForState(fixture, environmentA, 'running')).id).toBe(environmentA);
  });

  it('lets a tenant admin mint only for its own tenant and never an operator token', async () => {
    const asAdmin = (body: object) => fixture.api('/v1/tokens', { method: 'POST', token: tokens['A admin'], body: JSON.stringify(body) });
    expect((await asAdmin({ tenant: 'a', role: 'admin' })).status).toBe(201);
    expect((await asAdmin({ tenant: 'b', role: 'viewer' })).status).toBe(403);
    expect((await asAdmin({ tenant: 'a', role: 'admin', operator: true })).status).toBe(403);
    expect((await asAdmin({ tenant: 'a', role: 'root' })).status).toBe(400);
  });
});
