import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.js';
import { sampleRecord } from '../test-support/sample-record.js';
import { checkDataDir } from './check-data-dir.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'codebolt-check-test-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const FIXTURES = fileURLToPath(new URL('../store/fixtures/', import.meta.url));

async function healthyDataDir(): Promise<void> {
  const record = sampleRecord('env_1', { resourceId: 'local-env_1', provider: { name: 'local', version: '0.1.0' } });
  await writeFile(join(dataDir, 'environments.json'), JSON.stringify({ schemaVersion: 1, environments: [record], idempotency: {} }));
  await writeFile(join(dataDir, 'installation.json'), JSON.stringify({ installationId: 'cb-0123456789abcdef' }));
  await mkdir(join(dataDir, 'workspaces', 'env_1'), { recursive: true });
  await mkdir(join(dataDir, 'providers', 'local', 'env_1'), { recursive: true });
  const audit = AuditLog.open(join(dataDir, 'audit.log'));
  for (let index = 0; index < 3; index++) audit.record({ action: `POST /v1/thing-${index}`, actor: { subject: 'test', tenant: 'default', role: 'admin' }, outcome: 'success' });
  audit.close();
}

describe('checkDataDir', () => {
  it('passes a healthy data dir and names the checks it ran', async () => {
    await healthyDataDir();
    const result = await checkDataDir(dataDir);
    expect(result).toMatchObject({ ok: true, problems: [], environments: 1, auditEntries: 3, checks: ['store', 'providers', 'installation', 'audit', 'secrets', 'orphans'] });
  });

  it('reports orphaned workspace and provider dirs, records without their state, a broken audit chain and unreadable secrets, each with a fix', async () => {
    await healthyDataDir();
    await mkdir(join(dataDir, 'workspaces', 'env_gone'));
    await mkdir(join(dataDir, 'providers', 'local', 'env_gone'));
    await rm(join(dataDir, 'providers', 'local', 'env_1'), { recursive: true });
    const lines = (await readFile(join(dataDir, 'audit.log'), 'utf8')).split('\n');
    lines[1] = lines[1]!.replace('thing-1', 'thing-X');
    await writeFile(join(dataDir, 'audit.log'), lines.join('\n'));
    await writeFile(join(dataDir, 'master.key'), `${Buffer.alloc(32, 1).toString('base64url')}\n`);
    await copyFile(join(FIXTURES, 'environments.v1-6630862.json'), join(dataDir, 'environments.json'));
    await mkdir(join(dataDir, 'workspaces', 'env_0a1b2c3d4e5f60718293'));
    await mkdir(join(dataDir, 'workspaces', 'env_9f8e7d6c5b4a39281706'));
    await mkdir(join(dataDir, 'providers', 'local', 'env_0a1b2c3d4e5f60718293'));
    await mkdir(join(dataDir, 'providers', 'local', 'env_9f8e7d6c5b4a39281706'));

    const result = await checkDataDir(dataDir);
    expect(result.ok).toBe(false);
    const found = result.problems.map((problem) => `${problem.check}: ${problem.problem}`);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^orphans: workspace .*env_1 belongs to no environment/),
        expect.stringMatching(/^orphans: workspace .*env_gone belongs to no environment/),
        expect.stringMatching(/^orphans: provider state .*env_gone belongs to no local environment/),
        expect.stringMatching(/^audit: audit.log: line 2 .*modified/),
        expect.stringMatching(/^secrets: environment env_0a1b2c3d4e5f60718293 config.secretEnv is encrypted under master key [0-9a-f]{16}/),
      ]),
    );
    expect(result.problems.every((problem) => problem.fix.length > 10)).toBe(true);
  });

  it('reports a record whose resource state is gone, and an environments.json from a newer relay', async () => {
    await healthyDataDir();
    await rm(join(dataDir, 'providers', 'local', 'env_1'), { recursive: true });
    await mkdir(join(dataDir, 'providers', 'local', 'other'), { recursive: true });
    await mkdir(join(dataDir, '.backup-abc123'));
    await writeFile(join(dataDir, '.environments.json.1.ab.tmp'), '{');
    const first = await checkDataDir(dataDir);
    expect(first.problems.map((problem) => problem.problem)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('environment env_1 (env_1) has resource local-env_1 but no state'),
        expect.stringContaining('.backup-abc123 is the staging dir of a backup that was interrupted'),
        expect.stringContaining('.environments.json.1.ab.tmp is the temp file of an interrupted write'),
      ]),
    );

    await copyFile(join(FIXTURES, 'environments.v99-newer.json'), join(dataDir, 'environments.json'));
    const second = await checkDataDir(dataDir);
    expect(second.problems).toEqual(expect.arrayContaining([expect.objectContaining({ check: 'store', problem: expect.stringContaining('schemaVersion 99'), fix: expect.stringContaining('at least as new') })]));
  });

  it('throws not-found for a missing data dir', async () => {
    await expect(checkDataDir(join(dataDir, 'nope'))).rejects.toMatchObject({ code: 'not-found' });
  });
});
