import { describe, expect, it } from 'vitest';
import { AckScheduler } from './ack-scheduler.js';

describe('AckScheduler', () => {
  it('sends one cumulative ack per batch of maxPendingFrames', () => {
    const sent: number[] = [];
    const scheduler = new AckScheduler((ack) => sent.push(ack), { maxPendingFrames: 3, maxDelayMs: 60_000 });
    for (let seq = 1; seq <= 7; seq += 1) scheduler.received(seq);
    expect(sent).toEqual([3, 6]);
    scheduler.dispose();
  });

  it('sends the highest seq after maxDelayMs when the batch is not full, and nothing when nothing is new', async () => {
    const sent: number[] = [];
    let resolve!: () => void;
    const delivered = new Promise<void>((done) => (resolve = done));
    const scheduler = new AckScheduler(
      (ack) => {
        sent.push(ack);
        resolve();
      },
      { maxPendingFrames: 100, maxDelayMs: 5 },
    );
    scheduler.received(4);
    scheduler.received(2);
    await delivered;
    expect(sent).toEqual([4]);
    scheduler.received(4);
    scheduler.flush();
    expect(sent).toEqual([4]);
    scheduler.dispose();
  });
});
