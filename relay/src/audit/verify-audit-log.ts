import { readFile } from 'node:fs/promises';
import { readAuditHead } from './audit-head.js';
import { AUDIT_TRUNCATED, type AuditEntry, GENESIS_HASH, hashEntry } from './audit-log.js';

/** Result of checking audit.log. `firstProblem` names the first line that breaks the chain. */
export interface AuditVerification {
  ok: boolean;
  /** Entries that verified before the first problem (all of them when ok). */
  entries: number;
  firstProblem?: {
    /** 1-based line number in the file. */
    line: number;
    /** The seq the chain expected at that line. */
    expectedSeq: number;
    reason: 'unparseable' | 'tampered' | 'missing-or-reordered' | 'truncated';
    message: string;
  };
}

/**
 * Checks every line of an audit log: it parses, its seq follows the previous one, its `prev` is the
 * previous line's hash, and its hash matches its content. An edited line is `tampered`; a
 * deleted, inserted or reordered line is `missing-or-reordered`. Lines cut off the end are
 * `truncated`: found through `audit.head` (the last seq and hash the relay wrote), or through the
 * `audit.truncated` entry a relay records when it reopens a cut log. A missing file verifies as
 * empty. Works offline on a data dir (the relay need not run). Someone who rewrites both files
 * consistently is not caught here: forward entries to a SIEM for that.
 */
export async function verifyAuditLog(path: string): Promise<AuditVerification> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, entries: 0 };
    throw error;
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const head = await readAuditHead(path);
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    const fail = (reason: NonNullable<AuditVerification['firstProblem']>['reason'], message: string): AuditVerification => ({
      ok: false,
      entries: expectedSeq - 1,
      firstProblem: { line, expectedSeq, reason, message },
    });
    let entry: AuditEntry;
    try {
      entry = JSON.parse(lines[index]!) as AuditEntry;
    } catch {
      return fail('unparseable', `line ${line} is not JSON`);
    }
    if (typeof entry !== 'object' || entry === null || typeof entry.hash !== 'string') return fail('unparseable', `line ${line} is not an audit entry`);
    const { hash, ...rest } = entry;
    if (hashEntry(rest) !== hash) return fail('tampered', `line ${line} (seq ${String(entry.seq)}) was modified: its hash does not match its content`);
    if (entry.seq !== expectedSeq || entry.prev !== prev) {
      return fail('missing-or-reordered', `line ${line} has seq ${String(entry.seq)} but seq ${expectedSeq} was expected next: an entry was deleted, inserted or reordered`);
    }
    if (entry.action === AUDIT_TRUNCATED) {
      return fail('truncated', `line ${line}: the relay found this log cut short when it opened it (it had written up to seq ${String(entry.target?.headSeq)}, the file ended at seq ${String(entry.target?.lastSeq)})`);
    }
    prev = hash;
    expectedSeq++;
  }
  const entries = expectedSeq - 1;
  if (head && (head.seq > entries || (head.seq === entries && head.hash !== prev))) {
    return {
      ok: false,
      entries,
      firstProblem: { line: lines.length + 1, expectedSeq, reason: 'truncated', message: `the log ends at seq ${entries} but the relay had written up to seq ${head.seq}: entries were cut off the end` },
    };
  }
  return { ok: true, entries };
}
