import { describe, expect, it } from 'vitest';
import { fullJitterDelayMs } from './backoff.js';

describe('fullJitterDelayMs', () => {
  const settings = { initialDelayMs: 100, maxDelayMs: 5000 };

  it('doubles the ceiling per attempt up to the cap', () => {
    const ceilings = [0, 1, 2, 5, 6, 50, 10_000].map((attempt) => fullJitterDelayMs(attempt, settings, () => 0.999999));
    expect(ceilings).toEqual([99, 199, 399, 3199, 4999, 4999, 4999]);
  });

  it('draws uniformly from zero up to the ceiling', () => {
    expect(fullJitterDelayMs(3, settings, () => 0)).toBe(0);
    expect(fullJitterDelayMs(3, settings, () => 0.5)).toBe(400);
  });
});
