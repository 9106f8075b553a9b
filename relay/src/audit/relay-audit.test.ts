import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { upgradeStatus, waitForState } from '../test-support/auth-probes.js';
import { type RelayFixture, startRelayFixture } from '../test-support/relay-fixture.js';
import type { AuditEntry } from './audit-log.js';
import { verifyAuditLog } from './verify-audit-log.js';

let fixture: RelayFixture;
beforeAll(async () => {
  fixture = await startRelayFixture();
});
afterAll(async () => {
  await fixture?.close();
});

const entries = async () =>
  (await readFile(join(fixture.dataDir, 'audit.log'), 'utf8'))
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditEntry);

describe("the relay's audit trail", () => {
  it('records login failures, denials, token creation, lifecycle verbs and connections with who and outcome, never a token', async () => {
    const minted = (await (await fixture.api('/v1/tokens', { method: 'POST', body: JSON.stringify({ tenant: 't1', role: 'viewer', ttlSeconds: 600, subject: 'vic' }) })).json()) as { token: string };
    const member = (await (await fixture.api('/v1/tokens', { method: 'POST', body: JSON.stringify({ tenant: 't1', role: 'member', subject: 'meg' }) })).json()) as { token: string };
    expect((await fixture.api('/v1/environments', { token: 'forged.token.value' })).status).toBe(401);
    expect(await upgradeStatus(`${fixture.relay.url.replace('http', 'ws')}/v1/runtime`, { headers: { authorization: 'Bearer forged.token.value' } })).toBe(401);
    const created = await fixture.api('/v1/environments', { method: 'POST', token: member.token, body: JSON.stringify({ name: 'audited', provider: 'local' }) });
    const { id } = (await created.json()) as { id: string };
    await waitForState(fixture, id, 'running');
    expect((await fixture.api(`/v1/environments/${id}/stop`, { method: 'POST', token: minted.token })).status).toBe(403);
    const socket = new WebSocket(`${fixture.relay.url.replace('http', 'ws')}/v1/connect?env=${id}`, ['codebolt.v1', `bearer.${minted.token}`]);
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('message', resolve));
    const denied = new Promise<void>((resolve) => socket.on('message', (data) => (JSON.parse(data.toString()) as { re?: string }).re === 'x1' && resolve()));
    socket.send(JSON.stringify({ v: 1, type: 'exec', id: 'x1', data: { command: 'id' } }));
    await denied;
    socket.close();
    expect((await fixture.api(`/v1/environments/${id}`, { method: 'DELETE', token: member.token })).status).toBe(202);

    const log = await entries();
    const find = (predicate: (entry: AuditEntry) => boolean) => log.find(predicate);
    expect(find((entry) => entry.action === 'POST /v1/tokens' && entry.target?.subject === 'vic')).toMatchObject({ outcome: 'success', actor: { subject: 'local-admin', operator: true }, target: { tenant: 't1', role: 'viewer' } });
    expect(log.filter((entry) => entry.action === 'auth' && entry.outcome === 'failure' && entry.code === 'unauthorized')).toHaveLength(2);
    expect(find((entry) => entry.action === 'POST /v1/environments')).toMatchObject({ outcome: 'success', actor: { subject: 'meg', tenant: 't1' }, target: { id, name: 'audited' } });
    expect(find((entry) => entry.action === 'POST /v1/environments/:id/stop')).toMatchObject({ outcome: 'denied', code: 'forbidden', actor: { subject: 'vic' }, target: { id } });
    expect(find((entry) => entry.action === 'WS /v1/connect')).toMatchObject({ outcome: 'success', actor: { subject: 'vic' }, target: { id } });
    expect(find((entry) => entry.action === 'WS exec')).toMatchObject({ outcome: 'denied', actor: { subject: 'vic' }, target: { id } });
    expect(find((entry) => entry.action === 'DELETE /v1/environments/:id')).toMatchObject({ outcome: 'success', actor: { subject: 'meg' } });

    const text = await readFile(join(fixture.dataDir, 'audit.log'), 'utf8');
    for (const secret of [minted.token, member.token, fixture.adminToken, 'forged.token.value']) expect(text).not.toContain(secret);
    expect(await verifyAuditLog(join(fixture.dataDir, 'audit.log'))).toEqual({ ok: true, entries: log.length });
  });
});
