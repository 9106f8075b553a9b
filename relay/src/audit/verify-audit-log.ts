import { readFile } from 'node:fs/promises';
import { type AuditEntry, GENESIS_HASH, hashEntry } from './audit-log.js';

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
    reason: 'unparseable' | 'tampered' | 'missing-or-reordered';
    message: string;
  };
}

/**
 * Checks every line of an audit log: it parses, its seq follows the previous one, its `prev` is the
 * previous line's hash, and its hash matches its content. An edited line is `tampered`; a
 * deleted, inserted or reordered line is `missing-or-reordered`. A missing file verifies as empty.
 * Works offline on a data dir (the relay need not run). Limitation: removing lines from the end
 * leaves a valid shorter chain; forward entries to a SIEM to detect truncation.
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
    prev = hash;
    expectedSeq++;
  }
  return { ok: true, entries: expectedSeq - 1 };
}
