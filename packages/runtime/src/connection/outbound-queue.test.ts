import { describe, expect, it } from 'vitest';
import { OutboundQueue } from './outbound-queue.js';

describe('OutboundQueue', () => {
  it('keeps frames in order', () => {
    const queue = new OutboundQueue({ maxFrames: 10, maxBytes: 1000 });
    for (const frame of ['a', 'b', 'c']) expect(queue.push(frame)).toBe(0);
    expect([queue.shift(), queue.shift(), queue.shift(), queue.shift()]).toEqual(['a', 'b', 'c', undefined]);
    expect(queue.bytes).toBe(0);
  });

  it('drops the oldest frames beyond the frame bound and reports how many', () => {
    const queue = new OutboundQueue({ maxFrames: 3, maxBytes: 1000 });
    const dropped = ['1', '2', '3', '4', '5'].map((frame) => queue.push(frame));
    expect(dropped).toEqual([0, 0, 0, 1, 1]);
    expect([queue.shift(), queue.shift(), queue.shift()]).toEqual(['3', '4', '5']);
  });

  it('drops the oldest frames beyond the byte bound, but keeps a single oversized frame', () => {
    const queue = new OutboundQueue({ maxFrames: 100, maxBytes: 10 });
    queue.push('aaaa');
    queue.push('bbbb');
    expect(queue.push('cccc')).toBe(1);
    expect(queue.bytes).toBe(8);
    expect(queue.push('x'.repeat(50))).toBe(2);
    expect(queue.length).toBe(1);
    expect(queue.shift()).toBe('x'.repeat(50));
  });

  it('stays correct across compaction of a long queue', () => {
    const queue = new OutboundQueue({ maxFrames: 10_000, maxBytes: 16 * 1024 * 1024 });
    for (let index = 0; index < 5000; index += 1) queue.push(`frame ${index}`);
    for (let index = 0; index < 3000; index += 1) expect(queue.shift()).toBe(`frame ${index}`);
    for (let index = 5000; index < 13_000; index += 1) queue.push(`frame ${index}`);
    expect(queue.length).toBe(10_000);
    expect(queue.shift()).toBe('frame 3000');
  });
});
