import { describe, expect, it } from 'vitest';
import { fullJitterDelayMs, RECONNECT_BASE_DELAY_MS, RECONNECT_MAX_DELAY_MS } from './backoff.js';

describe('fullJitterDelayMs', () => {
  it('draws below a ceiling that doubles from 100 ms and stops at 5 s', () => {
    const almostOne = () => 0.999_999;
    expect(fullJitterDelayMs(0, RECONNECT_BASE_DELAY_MS, RECONNECT_MAX_DELAY_MS, almostOne)).toBe(99);
    expect(fullJitterDelayMs(3, RECONNECT_BASE_DELAY_MS, RECONNECT_MAX_DELAY_MS, almostOne)).toBe(799);
    expect(fullJitterDelayMs(6, RECONNECT_BASE_DELAY_MS, RECONNECT_MAX_DELAY_MS, almostOne)).toBe(4_999);
    expect(fullJitterDelayMs(1_000, RECONNECT_BASE_DELAY_MS, RECONNECT_MAX_DELAY_MS, almostOne)).toBe(4_999);
    expect(fullJitterDelayMs(1_000, RECONNECT_BASE_DELAY_MS, RECONNECT_MAX_DELAY_MS, () => 0)).toBe(0);
  });
});
