import { closeSync, constants, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * The audit log's head: the seq and hash of its last entry, in `audit.head` beside `audit.log`.
 * The hash chain finds an edited, deleted or reordered line anywhere but the end; the head is
 * what finds lines cut off the end (a shorter chain is still a valid chain). It is rewritten in
 * place after every append as one fixed-size record (a single write of less than one disk
 * sector, then fsync), so it is never torn. It does not stop someone who rewrites both files:
 * forward entries to a SIEM (`auditWebhookUrl`, `auditHookCommand`) for that.
 */
export interface AuditHead {
  seq: number;
  hash: string;
}

/** Bytes of the head record: a JSON object padded with spaces, ending in a newline. */
const HEAD_BYTES = 128;

export function auditHeadPath(logPath: string): string {
  return `${logPath.replace(/\.log$/, '')}.head`;
}

function parseHead(text: string): AuditHead | undefined {
  try {
    const value = JSON.parse(text) as Partial<AuditHead>;
    if (typeof value.seq === 'number' && Number.isInteger(value.seq) && value.seq >= 0 && typeof value.hash === 'string') return { seq: value.seq, hash: value.hash };
  } catch {
    // an unreadable head is reported as missing by the caller
  }
  return undefined;
}

/** Reads the head; undefined when there is none (an audit log from before heads existed) or it does not parse. */
export async function readAuditHead(logPath: string): Promise<AuditHead | undefined> {
  try {
    return parseHead(await readFile(auditHeadPath(logPath), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The head file, open for rewriting in place. */
export class AuditHeadFile {
  #fd: number | undefined;

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /** Opens (creating, 0600) the head of `logPath` and returns it with the head it held, if any. */
  static open(logPath: string): { file: AuditHeadFile; head: AuditHead | undefined } {
    const path = auditHeadPath(logPath);
    let head: AuditHead | undefined;
    try {
      head = parseHead(readFileSync(path, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return { file: new AuditHeadFile(openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600)), head };
  }

  write(head: AuditHead): void {
    if (this.#fd === undefined) return;
    const record = JSON.stringify(head).padEnd(HEAD_BYTES - 1, ' ') + '\n';
    writeSync(this.#fd, record, 0);
    fsyncSync(this.#fd);
  }

  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}
