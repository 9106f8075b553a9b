import { randomBytes } from 'node:crypto';
import { RetainedWindow, type RetainedWindowLimits } from './retained-window.js';

/** A frame waiting for the runtime's ack (relay→runtime direction). */
export interface UnackedFrame {
  seq: number;
  /** The encoded frame: JSON text, or a binary frame (see `encodeFrame` in @codebolt/protocol). */
  text: string | Uint8Array;
}

/** What the relay remembers of one app session between its connections. */
export interface SessionRecord {
  /** `<tenant>/<subject>` of the principal that created the session; only it may resume it. */
  owner: string;
  /** Highest app→runtime seq received from this session (later frames at or below it are duplicates). */
  lastAppSeq: number;
  expiryTimer: NodeJS.Timeout | undefined;
}

export interface StreamLimits {
  /** The runtime→app replay window. */
  window: RetainedWindowLimits;
  /** Frames/bytes sent to the runtime and not yet acknowledged (including while it is away). */
  unackedMaxFrames: number;
  unackedMaxBytes: number;
}

/** A fresh epoch: 12 random bytes, base64url. */
export function newEpoch(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * The numbered streams of one environment:
 * - runtime→app: `toAppsSeq` numbers every frame; the newest are kept in `window` for resume;
 * - app→runtime: `toRuntimeSeq` numbers every frame; `unacked` keeps them until the runtime acks;
 * - the runtime's own outbound stream (`runtimeStream`, `runtimeSeq`): what arrived, for dedupe;
 * - `sessions`: app sessions by their client-chosen id.
 * `epoch` changes whenever this state is lost (a relay that could not persist it).
 */
export class EnvironmentStream {
  epoch = newEpoch();
  toAppsSeq = 0;
  readonly window: RetainedWindow;
  toRuntimeSeq = 0;
  unacked: UnackedFrame[] = [];
  unackedBytes = 0;
  runtimeStream: string | undefined;
  runtimeSeq = 0;
  readonly sessions = new Map<string, SessionRecord>();

  constructor(readonly limits: StreamLimits) {
    this.window = new RetainedWindow(limits.window);
  }

  /** Seq of the oldest runtime→app frame that can still be replayed (toAppsSeq + 1 when none is kept). */
  get firstReplayableSeq(): number {
    return this.window.oldestSeq ?? this.toAppsSeq + 1;
  }

  /** Numbers a frame for the runtime and keeps it until acked; undefined when the unacked bound is reached. */
  retainForRuntime(encode: (seq: number) => string | Uint8Array): UnackedFrame | undefined {
    if (this.unacked.length >= this.limits.unackedMaxFrames || this.unackedBytes >= this.limits.unackedMaxBytes) return undefined;
    this.toRuntimeSeq += 1;
    const frame = { seq: this.toRuntimeSeq, text: encode(this.toRuntimeSeq) };
    this.unacked.push(frame);
    this.unackedBytes += frame.text.length;
    return frame;
  }

  /** Drops the runtime-bound frames up to and including `seq` (a cumulative ack). */
  acknowledgeRuntime(seq: number): void {
    let count = 0;
    while (count < this.unacked.length && (this.unacked[count] as UnackedFrame).seq <= seq) {
      this.unackedBytes -= (this.unacked[count] as UnackedFrame).text.length;
      count += 1;
    }
    if (count > 0) this.unacked = this.unacked.slice(count);
  }

  /** Forgets the runtime-bound frames (the runtime generation they were meant for is gone). */
  dropUnacked(): void {
    this.unacked = [];
    this.unackedBytes = 0;
  }
}

/** Every environment's stream, created on first use. */
export class StreamStore {
  readonly #streams = new Map<string, EnvironmentStream>();

  constructor(readonly limits: StreamLimits) {}

  get(environmentId: string): EnvironmentStream {
    let stream = this.#streams.get(environmentId);
    if (!stream) {
      stream = new EnvironmentStream(this.limits);
      this.#streams.set(environmentId, stream);
    }
    return stream;
  }

  /** True when the environment has a stream (it was not deleted meanwhile). */
  has(environmentId: string): boolean {
    return this.#streams.has(environmentId);
  }

  /** Every stream with its environment id. */
  entries(): IterableIterator<[string, EnvironmentStream]> {
    return this.#streams.entries();
  }

  delete(environmentId: string): void {
    const stream = this.#streams.get(environmentId);
    if (!stream) return;
    for (const record of stream.sessions.values()) clearTimeout(record.expiryTimer);
    this.#streams.delete(environmentId);
  }

  /** Cancels every session expiry timer (relay shutdown). */
  dispose(): void {
    for (const id of [...this.#streams.keys()]) this.delete(id);
  }
}
