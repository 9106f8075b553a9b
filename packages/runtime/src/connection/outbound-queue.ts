/** Bounds of the queue of frames kept while the relay is unreachable. */
export interface OutboundQueueLimits {
  /** Most frames kept. Default 10,000. */
  maxFrames: number;
  /** Most bytes (UTF-8 length of the serialized frames) kept. Default 16 MiB. */
  maxBytes: number;
}

export const DEFAULT_OUTBOUND_QUEUE_LIMITS: OutboundQueueLimits = { maxFrames: 10_000, maxBytes: 16 * 1024 * 1024 };

/**
 * A FIFO of serialized frames waiting for the relay. When a push takes it over either bound,
 * the oldest frames are dropped until it fits again; the frame just pushed is never dropped, so
 * one frame larger than `maxBytes` is kept on its own.
 */
export class OutboundQueue {
  private frames: Array<string | Uint8Array> = [];
  private sizes: number[] = [];
  private seqs: number[] = [];
  private head = 0;
  private byteCount = 0;

  constructor(readonly limits: OutboundQueueLimits = DEFAULT_OUTBOUND_QUEUE_LIMITS) {}

  get length(): number {
    return this.frames.length - this.head;
  }

  get bytes(): number {
    return this.byteCount;
  }

  /** Appends a frame; returns how many of the oldest frames were dropped to stay in bounds. */
  push(frame: string | Uint8Array, seq = 0): number {
    const size = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length;
    this.frames.push(frame);
    this.sizes.push(size);
    this.seqs.push(seq);
    this.byteCount += size;
    let dropped = 0;
    while (this.length > 1 && (this.length > this.limits.maxFrames || this.byteCount > this.limits.maxBytes)) {
      this.shift();
      dropped += 1;
    }
    return dropped;
  }

  /** Removes and returns the oldest frame. */
  shift(): string | Uint8Array | undefined {
    if (this.length === 0) return undefined;
    const frame = this.frames[this.head] as string | Uint8Array;
    this.byteCount -= this.sizes[this.head] as number;
    this.head += 1;
    if (this.head === this.frames.length) {
      this.frames = [];
      this.sizes = [];
      this.seqs = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.frames.length) {
      this.frames = this.frames.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.seqs = this.seqs.slice(this.head);
      this.head = 0;
    }
    return frame;
  }

  /** Drops the frames pushed with a seq up to and including `seq` (a cumulative ack); returns how many. */
  acknowledge(seq: number): number {
    let count = 0;
    while (this.length > 0 && (this.seqs[this.head] as number) <= seq) {
      this.shift();
      count += 1;
    }
    return count;
  }

  /** The frames kept, oldest first, without removing them. */
  *pending(): Generator<string | Uint8Array> {
    for (let index = this.head; index < this.frames.length; index += 1) yield this.frames[index] as string | Uint8Array;
  }
}
