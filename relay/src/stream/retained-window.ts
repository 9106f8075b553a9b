/** One frame kept for replay: its seq, the app session it is addressed to (none = every app), and its encoded frame (text or binary). */
export interface RetainedFrame {
  seq: number;
  target: string | undefined;
  text: string | Uint8Array;
  bytes: number;
}

export interface RetainedWindowLimits {
  /** Most frames kept. */
  maxFrames: number;
  /** Most bytes (UTF-16 length of the encoded frames, a cheap upper bound of their size) kept. */
  maxBytes: number;
}

/**
 * The newest runtime→app frames of one environment, in seq order, bounded in frames and bytes:
 * appending past either bound drops the oldest frames (the newest one is always kept).
 */
export class RetainedWindow {
  #frames: RetainedFrame[] = [];
  #head = 0;
  #bytes = 0;

  constructor(readonly limits: RetainedWindowLimits) {}

  get length(): number {
    return this.#frames.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Seq of the oldest frame still kept, or undefined when empty. */
  get oldestSeq(): number | undefined {
    return this.#frames[this.#head]?.seq;
  }

  append(frame: RetainedFrame): void {
    this.#frames.push(frame);
    this.#bytes += frame.bytes;
    while (this.length > 1 && (this.length > this.limits.maxFrames || this.#bytes > this.limits.maxBytes)) {
      this.#bytes -= (this.#frames[this.#head] as RetainedFrame).bytes;
      // Drop the reference now: a dropped frame must not stay live until the next compaction.
      (this.#frames as Array<RetainedFrame | undefined>)[this.#head] = undefined;
      this.#head += 1;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#frames.length) {
      this.#frames = this.#frames.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The kept frames with seq > `afterSeq`, oldest first. */
  *after(afterSeq: number): Generator<RetainedFrame> {
    for (let index = this.#head; index < this.#frames.length; index += 1) {
      const frame = this.#frames[index] as RetainedFrame;
      if (frame.seq > afterSeq) yield frame;
    }
  }

  /** Every kept frame, oldest first (for persistence). */
  all(): RetainedFrame[] {
    return this.#frames.slice(this.#head);
  }
}
