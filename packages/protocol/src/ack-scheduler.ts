/** When a batched cumulative ack goes out: after this many unacknowledged frames, or this long after the first. */
export interface AckSchedulerSettings {
  /** Default 64 frames. */
  maxPendingFrames: number;
  /** Default 20 ms. */
  maxDelayMs: number;
}

export const DEFAULT_ACK_SCHEDULER_SETTINGS: AckSchedulerSettings = { maxPendingFrames: 64, maxDelayMs: 20 };

/**
 * Batches cumulative acks: `received(seq)` records the highest seq received in order, and `send`
 * is called with it once `maxPendingFrames` frames are waiting or `maxDelayMs` after the first.
 * `dispose()` cancels the timer (call it when the connection closes).
 */
export class AckScheduler {
  #highest = 0;
  #sent = 0;
  #pending = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: (ack: number) => void,
    private readonly settings: AckSchedulerSettings = DEFAULT_ACK_SCHEDULER_SETTINGS,
  ) {}

  received(seq: number): void {
    if (seq > this.#highest) this.#highest = seq;
    this.#pending += 1;
    if (this.#pending >= this.settings.maxPendingFrames) return this.flush();
    this.#timer ??= setTimeout(() => this.flush(), this.settings.maxDelayMs);
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = 0;
    if (this.#highest === this.#sent) return;
    this.#sent = this.#highest;
    this.send(this.#highest);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
