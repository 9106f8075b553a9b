import { createHash } from 'node:crypto';
import type { AppRequestType, Envelope } from '@codebolt/protocol';

/**
 * Request types whose repetition would change something (run a program again, write again,
 * deliver a message twice). Reads (`fs.read`, `fs.list`, `diff`) are simply served again.
 */
const ONCE_ONLY: ReadonlySet<AppRequestType> = new Set<AppRequestType>(['exec', 'fs.write', 'fs.remove', 'message', 'process-kill']);

/** What to do with a request, given the requests seen before. */
export type JournalVerdict =
  /** Not seen (or a read): serve it. */
  | { kind: 'serve' }
  /** The same request is still being served (a running exec): its answer will come; do nothing. */
  | { kind: 'in-progress' }
  /** The same request was answered: send this answer again. */
  | { kind: 'replay'; answer: Envelope }
  /** The same request was answered, but the answer is no longer kept. */
  | { kind: 'forgotten' }
  /** The id was used before for a different request. */
  | { kind: 'mismatch' };

interface Entry {
  fingerprint: string;
  answer: Envelope | undefined;
  answerBytes: number;
  done: boolean;
}

export interface RequestJournalLimits {
  /** Request ids remembered, newest first. Default 10,000. */
  maxRequests?: number;
  /** Total bytes of kept answers; the oldest answers are dropped first (their ids stay). Default 4 MiB. */
  maxAnswerBytes?: number;
}

/**
 * The runtime's idempotency window, by request id (the relay makes ids unique per app session).
 * A request can reach the runtime twice: an app resends what the relay had not acknowledged, and
 * after a relay lost its state (kill -9) the SDK asks again for every answer it is still waiting
 * for. A repeated once-only request is never served twice: while it runs the repeat is ignored
 * (its answer is still to come), once answered the answer is sent again. Bounded: the oldest
 * ids are forgotten past `maxRequests`, the oldest answers past `maxAnswerBytes`.
 */
export class RequestJournal {
  readonly #entries = new Map<string, Entry>();
  #answerBytes = 0;
  readonly #maxRequests: number;
  readonly #maxAnswerBytes: number;

  constructor(limits: RequestJournalLimits = {}) {
    this.#maxRequests = limits.maxRequests ?? 10_000;
    this.#maxAnswerBytes = limits.maxAnswerBytes ?? 4 * 1024 * 1024;
  }

  /** Checks a request and, when it is to be served and is once-only, records it as in progress. */
  admit(id: string, type: AppRequestType, data: unknown): JournalVerdict {
    if (!ONCE_ONLY.has(type)) return { kind: 'serve' };
    const hash = createHash('sha256').update(type).update('\0');
    const fingerprint = (data instanceof Uint8Array ? hash.update('bytes\0').update(data) : hash.update(JSON.stringify(data) ?? '')).digest('base64');
    const seen = this.#entries.get(id);
    if (seen) {
      if (seen.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (!seen.done) return { kind: 'in-progress' };
      return seen.answer ? { kind: 'replay', answer: seen.answer } : { kind: 'forgotten' };
    }
    this.#entries.set(id, { fingerprint, answer: undefined, answerBytes: 0, done: false });
    this.#trim();
    return { kind: 'serve' };
  }

  /**
   * Notes a frame the runtime sends. The final answer of a recorded request (anything with its id
   * in `re` but a `process-output`) is kept for replay.
   */
  observe(frame: Envelope): void {
    if (frame.re === undefined || frame.type === 'process-output') return;
    const entry = this.#entries.get(frame.re);
    if (!entry || entry.done) return;
    entry.done = true;
    entry.answer = frame;
    entry.answerBytes = frame.data instanceof Uint8Array ? frame.data.length + 256 : JSON.stringify(frame).length;
    this.#answerBytes += entry.answerBytes;
    this.#trim();
  }

  /** How many ids are remembered (for tests and diagnostics). */
  get size(): number {
    return this.#entries.size;
  }

  #trim(): void {
    for (const [id, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxRequests) break;
      this.#answerBytes -= entry.answerBytes;
      this.#entries.delete(id);
    }
    if (this.#answerBytes <= this.#maxAnswerBytes) return;
    for (const entry of this.#entries.values()) {
      if (this.#answerBytes <= this.#maxAnswerBytes) break;
      if (entry.answer === undefined) continue;
      this.#answerBytes -= entry.answerBytes;
      entry.answer = undefined;
      entry.answerBytes = 0;
    }
  }
}
