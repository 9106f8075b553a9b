import { describe, expect, it } from 'vitest';
import { DEFAULT_RECONNECT_OPTIONS, reconnectDelayMs } from './reconnect-policy.js';

describe('reconnectDelayMs (full jitter)', () => {
  it('stays within [floor, floor + min(max, initial * 2^attempt))', () => {
    const options = { ...DEFAULT_RECONNECT_OPTIONS, initialDelayMs: 100, maxDelayMs: 1000 };
    expect(reconnectDelayMs(0, options, 0, () => 0)).toBe(0);
    expect(reconnectDelayMs(0, options, 0, () => 0.999999)).toBe(99);
    expect(reconnectDelayMs(3, options, 0, () => 0.999999)).toBe(799);
    expect(reconnectDelayMs(30, options, 500, () => 0.999999)).toBe(1499);
  });

  it('1,000 clients that lost the relay at once come back spread out: the peak connect rate is at most 2x the steady rate', () => {
    const options = { ...DEFAULT_RECONNECT_OPTIONS, initialDelayMs: 1000, maxDelayMs: 10_000 };
    const arrivals = Array.from({ length: 1000 }, () => reconnectDelayMs(3, options, 0));
    // Ten equal slots of the jitter range: the steady rate is 100 connects per slot.
    const slots = new Array<number>(10).fill(0);
    for (const at of arrivals) slots[Math.floor(at / 800)] = (slots[Math.floor(at / 800)] ?? 0) + 1;
    expect(Math.max(...slots)).toBeLessThanOrEqual(200);
    expect(Math.min(...slots)).toBeGreaterThan(0);
  });
});
