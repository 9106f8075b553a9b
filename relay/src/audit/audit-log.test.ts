import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, hashEntry } from './audit-log.js';
import { verifyAuditLog } from './verify-audit-log.js';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codebolt-audit-'));
  path = join(dir, 'audit.log');
  const log = AuditLog.open(path);
  for (let index = 1; index <= 5; index++) log.record({ action: `action-${index}`, actor: { subject: 'alice', tenant: 'a' }, outcome: 'success', target: { id: `env_${index}` } });
  log.close();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = async () => (await readFile(path, 'utf8')).trimEnd().split('\n');
const save = (text: string[]) => writeFile(path, `${text.join('\n')}\n`);

describe('audit log', () => {
  it('chains entries across reopenings and verifies intact', async () => {
    const log = AuditLog.open(path);
    expect(log.record({ action: 'again', actor: {}, outcome: 'failure', code: 'unauthorized' })?.seq).toBe(6);
    log.close();
    expect(await verifyAuditLog(path)).toEqual({ ok: true, entries: 6 });
  });

  it('finds an edited line', async () => {
    const text = await lines();
    text[2] = text[2]!.replace('"alice"', '"mallory"');
    await save(text);
    expect((await verifyAuditLog(path)).firstProblem).toMatchObject({ line: 3, reason: 'tampered' });
  });

  it('finds an edited line whose hash was recomputed, at the next line', async () => {
    const text = await lines();
    const entry = JSON.parse(text[1]!) as Record<string, unknown>;
    entry.outcome = 'denied';
    delete entry.hash;
    text[1] = JSON.stringify({ ...entry, hash: hashEntry(entry as never) });
    await save(text);
    expect((await verifyAuditLog(path)).firstProblem).toMatchObject({ line: 3, reason: 'missing-or-reordered' });
  });

  it('finds a deleted line', async () => {
    const text = await lines();
    text.splice(1, 1);
    await save(text);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, entries: 1, firstProblem: { line: 2, expectedSeq: 2, reason: 'missing-or-reordered' } });
  });

  it('finds reordered lines', async () => {
    const text = await lines();
    [text[3], text[4]] = [text[4]!, text[3]!];
    await save(text);
    expect((await verifyAuditLog(path)).firstProblem).toMatchObject({ line: 4, reason: 'missing-or-reordered' });
  });

  it('finds lines cut off the end through audit.head', async () => {
    const text = await lines();
    await save(text.slice(0, 3));
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, entries: 3, firstProblem: { line: 4, expectedSeq: 4, reason: 'truncated' } });
  });

  it('finds a last line replaced by a valid-looking one through the head hash', async () => {
    const text = await lines();
    const last = JSON.parse(text[4]!) as Record<string, unknown>;
    last.outcome = 'denied';
    delete last.hash;
    text[4] = JSON.stringify({ ...last, hash: hashEntry(last as never) });
    await save(text);
    expect((await verifyAuditLog(path)).firstProblem).toMatchObject({ reason: 'truncated' });
  });

  it('keeps a cut on record when the relay reopens a truncated log, and goes on chaining after it', async () => {
    await save((await lines()).slice(0, 2));
    const log = AuditLog.open(path);
    expect(log.record({ action: 'after', actor: {}, outcome: 'success' })?.seq).toBe(4);
    log.close();
    const entries = (await lines()).map((line) => JSON.parse(line) as { action: string; target?: unknown });
    expect(entries[2]).toMatchObject({ action: 'audit.truncated', target: { headSeq: 5, lastSeq: 2 } });
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, entries: 2, firstProblem: { line: 3, reason: 'truncated' } });
  });

  it('finds a line that is not JSON', async () => {
    const text = await lines();
    text[0] = '{oops';
    await save(text);
    expect((await verifyAuditLog(path)).firstProblem).toMatchObject({ line: 1, reason: 'unparseable' });
  });
});
