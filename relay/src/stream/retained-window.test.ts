import { describe, expect, it } from 'vitest';
import { RetainedWindow } from './retained-window.js';

function frame(seq: number, size = 10, target?: string) {
  return { seq, target, text: 'x'.repeat(size), bytes: size };
}

describe('RetainedWindow', () => {
  it('keeps the newest frames within the frame bound, in order', () => {
    const window = new RetainedWindow({ maxFrames: 3, maxBytes: 1000 });
    for (let seq = 1; seq <= 5; seq += 1) window.append(frame(seq));
    expect(window.oldestSeq).toBe(3);
    expect([...window.after(0)].map((kept) => kept.seq)).toEqual([3, 4, 5]);
    expect([...window.after(4)].map((kept) => kept.seq)).toEqual([5]);
  });

  it('keeps within the byte bound but always keeps the newest frame', () => {
    const window = new RetainedWindow({ maxFrames: 100, maxBytes: 25 });
    window.append(frame(1));
    window.append(frame(2));
    window.append(frame(3));
    expect(window.oldestSeq).toBe(2);
    expect(window.bytes).toBe(20);
    window.append(frame(4, 100));
    expect(window.length).toBe(1);
    expect(window.oldestSeq).toBe(4);
  });

  it('stays correct across compaction of a long window', () => {
    const window = new RetainedWindow({ maxFrames: 1000, maxBytes: 1_000_000 });
    for (let seq = 1; seq <= 10_000; seq += 1) window.append(frame(seq, 1));
    expect(window.length).toBe(1000);
    expect(window.all().map((kept) => kept.seq)).toEqual(Array.from({ length: 1000 }, (_, index) => 9001 + index));
  });
});
