import { createHash } from 'node:crypto';
import { AuditHeadFile } from './audit-head.js';
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';

/** Who did it: a verified principal, or only the peer address when authentication failed. */
export interface AuditActor {
  subject?: string;
  tenant?: string;
  role?: string;
  operator?: boolean;
  /** Peer address of the request. */
  ip?: string;
}

/**
 * One event. Only identifiers, names, codes and numbers go in: never a token, a secret, a config
 * value or a free-form error message.
 */
export interface AuditEvent {
  /** What was attempted: `auth`, `POST /v1/environments/:id/start`, `WS exec`, `token.create`, … */
  action: string;
  actor: AuditActor;
  outcome: 'success' | 'failure' | 'denied';
  /** Error code of a failure or denial. */
  code?: string;
  /** What it was done to (environment id, tenant, provider name, path). */
  target?: Record<string, string | number | boolean>;
}

/** A line of audit.log: the event, numbered and chained to the previous line by SHA-256. */
export interface AuditEntry extends AuditEvent {
  seq: number;
  /** ISO 8601. */
  time: string;
  /** `hash` of the previous entry; GENESIS_HASH for the first. */
  prev: string;
  /** SHA-256 (hex) of this line's JSON without the `hash` field. */
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** The action of the entry the log records on opening when lines were cut off its end. */
export const AUDIT_TRUNCATED = 'audit.truncated';

export function hashEntry(withoutHash: Omit<AuditEntry, 'hash'>): string {
  return createHash('sha256').update(JSON.stringify(withoutHash)).digest('hex');
}

/**
 * The append-only, hash-chained audit log (`<data dir>/audit.log`, 0600, JSON lines). Appends are
 * synchronous so that entries land in the order the relay decided, and each is fsynced. The file
 * is never rewritten; `verifyAuditLog` checks the chain. An optional forwarder receives every
 * entry after it is on disk (for a SIEM); its failures never block the relay.
 */
export class AuditLog {
  #fd: number | undefined;
  #seq: number;
  #prev: string;

  private constructor(
    readonly path: string,
    fd: number,
    last: { seq: number; hash: string },
    private readonly head: AuditHeadFile,
    private readonly forward: ((entry: AuditEntry) => void) | undefined,
  ) {
    this.#fd = fd;
    this.#seq = last.seq;
    this.#prev = last.hash;
  }

  /**
   * Opens (creating) the log and continues its chain from the last line. A last line that does not
   * parse (a torn write) is left in place; the chain continues from the last valid entry and
   * verify-audit will report the torn line. When `audit.head` says the log once went further than
   * its last entry (lines were cut off the end), the first new entry is an `audit.truncated` entry
   * naming both seqs, so the cut stays on record in the chain and verify-audit reports it.
   */
  static open(path: string, forward?: (entry: AuditEntry) => void): AuditLog {
    let last = { seq: 0, hash: GENESIS_HASH };
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    for (let index = lines.length - 1; index >= 0; index--) {
      try {
        const entry = JSON.parse(lines[index]!) as AuditEntry;
        if (typeof entry.seq === 'number' && typeof entry.hash === 'string') {
          last = { seq: entry.seq, hash: entry.hash };
          break;
        }
      } catch {
        // torn line: keep looking backwards
      }
    }
    const { file: headFile, head } = AuditHeadFile.open(path);
    const log = new AuditLog(path, openSync(path, 'a', 0o600), last, headFile, forward);
    if (head && (head.seq > last.seq || (head.seq === last.seq && head.hash !== last.hash))) {
      log.record({ action: AUDIT_TRUNCATED, actor: {}, outcome: 'failure', code: 'data-corrupt', target: { headSeq: head.seq, lastSeq: last.seq } });
    } else if (!head) {
      headFile.write(last);
    }
    return log;
  }

  /** Appends one entry and returns it. After close() it does nothing and returns undefined. */
  record(event: AuditEvent): AuditEntry | undefined {
    if (this.#fd === undefined) return undefined;
    const unhashed: Omit<AuditEntry, 'hash'> = {
      seq: this.#seq + 1,
      time: new Date().toISOString(),
      prev: this.#prev,
      action: event.action,
      actor: event.actor,
      outcome: event.outcome,
      ...(event.code ? { code: event.code } : {}),
      ...(event.target ? { target: event.target } : {}),
    };
    const entry: AuditEntry = { ...unhashed, hash: hashEntry(unhashed) };
    writeSync(this.#fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.#fd);
    this.#seq = entry.seq;
    this.#prev = entry.hash;
    this.head.write({ seq: entry.seq, hash: entry.hash });
    if (this.forward) {
      try {
        this.forward(entry);
      } catch {
        // forwarding is best effort; the file is the record
      }
    }
    return entry;
  }

  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
    this.head.close();
  }
}
