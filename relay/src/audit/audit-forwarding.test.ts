import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RelayFixture, startRelayFixture } from '../test-support/relay-fixture.js';
import type { AuditEntry } from './audit-log.js';

let fixture: RelayFixture | undefined;
let server: Server | undefined;
afterEach(async () => {
  await fixture?.close();
  await new Promise<void>((resolve, reject) => (server ? server.close((error) => (error ? reject(error) : resolve())) : resolve()));
  fixture = undefined;
  server = undefined;
});

describe('audit forwarding', () => {
  it('POSTs every entry, exactly as written to audit.log, to the configured webhook', async () => {
    const received: AuditEntry[] = [];
    let notify: () => void = () => {};
    server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        received.push(JSON.parse(body) as AuditEntry);
        response.writeHead(204).end();
        notify();
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    fixture = await startRelayFixture({ auditWebhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit` });
    expect((await fixture.api('/v1/environments', { token: 'forged' })).status).toBe(401);
    expect((await fixture.api('/v1/tokens', { method: 'POST', body: JSON.stringify({ tenant: 't', role: 'viewer' }) })).status).toBe(201);
    await new Promise<void>((resolve) => {
      notify = () => received.length >= 2 && resolve();
      notify();
    });
    const lines = (await readFile(join(fixture.dataDir, 'audit.log'), 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as AuditEntry);
    expect(received.sort((left, right) => left.seq - right.seq)).toEqual(lines);
    expect(received.map((entry) => entry.action)).toEqual(['auth', 'POST /v1/tokens']);
  });

  it('writes every entry as a JSON line to the stdin of a hook command, which gets none of the relay\'s secrets', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'codebolt-audit-hook-'));
    try {
      const out = join(dir, 'forwarded.jsonl');
      const envOut = join(dir, 'env.json');
      // The hook: copies stdin to a file and records the environment it was given.
      const script = `require('fs').writeFileSync(${JSON.stringify(envOut)}, JSON.stringify(process.env)); process.stdin.pipe(require('fs').createWriteStream(${JSON.stringify(out)}));`;
      process.env.CODEBOLT_MASTER_KEY_CANARY_FOR_TEST = 'canary-secret-value';
      fixture = await startRelayFixture({ dataDir: join(dir, 'data'), auditHookCommand: [process.execPath, '-e', script] });
      delete process.env.CODEBOLT_MASTER_KEY_CANARY_FOR_TEST;
      expect((await fixture.api('/v1/environments', { token: 'forged' })).status).toBe(401);
      expect((await fixture.api('/v1/tokens', { method: 'POST', body: JSON.stringify({ tenant: 't', role: 'viewer' }) })).status).toBe(201);
      const dataDir = fixture.dataDir;
      await fixture.close();
      fixture = undefined;
      // close() ended the hook's stdin and waited for it to exit, so the file is complete.
      const forwarded = (await readFile(out, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as AuditEntry);
      const lines = (await readFile(join(dataDir, 'audit.log'), 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as AuditEntry);
      expect(forwarded.map((entry) => entry.action).slice(0, 2)).toEqual(['auth', 'POST /v1/tokens']);
      expect(forwarded).toEqual(lines);
      const hookEnv = JSON.parse(await readFile(envOut, 'utf8')) as Record<string, string>;
      expect(Object.keys(hookEnv).filter((name) => name.startsWith('CODEBOLT'))).toEqual([]);
      expect(JSON.stringify(hookEnv)).not.toContain('canary-secret-value');
    } finally {
      delete process.env.CODEBOLT_MASTER_KEY_CANARY_FOR_TEST;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
