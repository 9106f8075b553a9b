import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminToken } from './support/cli.js';
import { type RelaySession, startRelaySession } from './support/relay-session.js';

let session: RelaySession;
beforeEach(async () => {
  session = await startRelaySession();
});
afterEach(async () => {
  await session.dispose();
});

/** Every file under a directory, recursively, as text. */
async function filesUnder(dir: string): Promise<Array<{ path: string; text: string }>> {
  const out: Array<{ path: string; text: string }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.push({ path, text: await readFile(path, 'latin1') });
  }
  return out;
}

/** The forms a leaked secret could take. */
function forms(secret: string): string[] {
  return [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), JSON.stringify(JSON.stringify({ apiKey: secret }))];
}

describe('planted canary secrets', () => {
  it('appear in no log, state file, error reply or audit entry after a full lifecycle and failed requests', async () => {
    const canary = (label: string) => `canary-${label}-${randomBytes(6).toString('hex')}/+=&?"x`;
    const shared = canary('shared');
    const own = canary('own');
    const json = canary('json');
    const rejected = canary('rejected');
    const token = await adminToken(session.dataDir);
    const replies: string[] = [];
    const api = async (path: string, method = 'GET', body?: unknown) => {
      const response = await fetch(`${session.relay.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      replies.push(text);
      return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    };
    const waitFor = async (id: string, state: string) => {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        if ((await api(`/v1/environments/${id}`)).body.state === state) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`${id} never reached ${state}`);
    };

    expect((await api('/v1/providers/local/config', 'PUT', { config: { secretEnv: { SHARED: shared } } })).status).toBe(200);
    const created = await api('/v1/environments', 'POST', { name: 'canary', provider: 'local', config: { secretEnv: { OWN: own, JSON_BLOB: JSON.stringify({ apiKey: json }) } } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await waitFor(id, 'running');
    expect((await api(`/v1/environments/${id}/stop`, 'POST')).status).toBe(202);
    await waitFor(id, 'stopped');
    expect((await api(`/v1/environments/${id}/start`, 'POST')).status).toBe(202);
    await waitFor(id, 'running');
    expect((await api(`/v1/environments/${id}/restart`, 'POST')).status).toBe(202);
    await waitFor(id, 'running');
    expect((await api(`/v1/environments/${id}/logs`)).status).toBe(200);
    // Failed requests whose bodies carry secrets: a secret of the wrong type, an unknown field, a bad provider config.
    expect((await api('/v1/environments', 'POST', { name: 'bad1', provider: 'local', config: { secretEnv: { X: { nested: rejected } } } })).status).toBe(400);
    expect((await api('/v1/environments', 'POST', { name: 'bad2', provider: 'local', config: { unknownField: rejected, secretEnv: { Y: rejected } } })).status).toBe(400);
    expect((await api('/v1/providers/local/config', 'PUT', { config: { secretEnv: [rejected] } })).status).toBe(400);
    // The provider's log is removed with its environment: look at the files before and after delete.
    const beforeDelete = await filesUnder(session.dataDir);
    expect((await api(`/v1/environments/${id}`, 'DELETE')).status).toBe(202);
    const deadline = Date.now() + 60_000;
    while ((await api(`/v1/environments/${id}`)).status !== 404 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));

    const haystacks = [
      { path: 'relay stdout+stderr', text: session.relay.output() },
      { path: 'HTTP replies', text: replies.join('\n') },
      ...beforeDelete,
      ...(await filesUnder(session.dataDir)),
    ];
    expect(haystacks.some((haystack) => haystack.path.endsWith('audit.log'))).toBe(true);
    expect(haystacks.some((haystack) => haystack.path.endsWith('provider.log'))).toBe(true);
    const hits: string[] = [];
    for (const secret of [shared, own, json, rejected]) {
      for (const form of forms(secret)) for (const haystack of haystacks) if (haystack.text.includes(form)) hits.push(`${haystack.path}: ${form}`);
    }
    expect(hits).toEqual([]);
    // The controls: the secrets were really stored, encrypted (an id-tagged ciphertext is there).
    expect(replies.join('\n')).toContain('[secret]');
  });
});
