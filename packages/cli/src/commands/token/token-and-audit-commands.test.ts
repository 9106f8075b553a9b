import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Relay, startRelay } from '@codebolt/relay';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../test-support/run-bin.js';

let sandbox: Sandbox;
let relay: Relay;
let dataDir: string;

beforeEach(async () => {
  sandbox = await createSandbox();
  dataDir = join(sandbox.cwd, '.codebolt');
  relay = await startRelay({ port: 0, dataDir, logLevel: 'error' });
});

afterEach(async () => {
  await relay.close();
  await sandbox.cleanup();
});

// The CLI finds the local relay's operator token in the data dir (./.codebolt in the sandbox cwd).
const codebolt = (...args: string[]) => sandbox.run(['--server', relay.url, ...args]);

describe('token create and admin verify-audit against a real relay', () => {
  it('token create prints a token with exactly the granted role and tenant', async () => {
    const created = await codebolt('token', 'create', '--tenant', 'team-a', '--role', 'viewer', '--ttl', '10m');
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const headers = { authorization: `Bearer ${token}` };
    expect((await fetch(`${relay.url}/v1/environments`, { headers })).status).toBe(200);
    expect((await fetch(`${relay.url}/v1/environments`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' })).status).toBe(403);

    const json = await codebolt('--json', 'token', 'create', '--tenant', 'team-a', '--role', 'admin', '--ttl', '1h', '--subject', 'ci');
    const record = JSON.parse(json.stdout) as { subject: string; tenant: string; role: string; operator: boolean; expiresAt: string };
    expect(record).toMatchObject({ subject: 'ci', tenant: 'team-a', role: 'admin', operator: false });
    expect(Date.parse(record.expiresAt) - Date.now()).toBeGreaterThan(3500_000);

    // That tenant admin may not mint for another tenant nor an operator token.
    const asTenantAdmin = (...args: string[]) => sandbox.run(['--server', relay.url, '--token', (JSON.parse(json.stdout) as { token: string }).token, ...args]);
    const other = await asTenantAdmin('token', 'create', '--tenant', 'team-b');
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('error forbidden');
    expect((await asTenantAdmin('token', 'create', '--tenant', 'team-a', '--operator')).code).toBe(2);
  });

  it('token create refuses a malformed --ttl before any request', async () => {
    const result = await codebolt('token', 'create', '--tenant', 'a', '--ttl', 'soon');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--ttl "soon" is not a lifetime');
  });

  it('admin verify-audit passes on an intact log and names the first tampered line, exiting non-zero', async () => {
    expect((await codebolt('token', 'create', '--tenant', 'a')).code).toBe(0);
    expect((await fetch(`${relay.url}/v1/environments`, { headers: { authorization: 'Bearer forged' } })).status).toBe(401);
    const intact = await sandbox.run(['admin', 'verify-audit']);
    expect(intact.code, intact.stderr).toBe(0);
    expect(intact.stdout).toMatch(/2 entries, chain intact/);

    const path = join(dataDir, 'audit.log');
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    await writeFile(path, `${lines[0]!.replace('"success"', '"failure"')}\n${lines[1]}\n`);
    const tampered = await sandbox.run(['--json', 'admin', 'verify-audit']);
    expect(tampered.code).not.toBe(0);
    expect(JSON.parse(tampered.stdout)).toMatchObject({ ok: false, firstProblem: { line: 1, reason: 'tampered' } });
    expect(tampered.stderr).toContain('error data-corrupt');
  });

  it('admin reconcile --dry-run reports through the real binary, and needs an operator token', async () => {
    const dry = await codebolt('admin', 'reconcile', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('reconcile (dry run):');
    expect(dry.stdout).toContain('orphans: none');
    const json = await codebolt('--json', 'admin', 'reconcile');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ dryRun: false, retried: [], orphans: [], reaped: [], lost: [], failures: [] });
    const tenantAdmin = (await codebolt('token', 'create', '--tenant', 'team-a', '--role', 'admin')).stdout.trim();
    const refused = await codebolt('--token', tenantAdmin, 'admin', 'reconcile', '--dry-run');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('forbidden');
  });
});
