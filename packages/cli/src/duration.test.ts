import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads units, bare milliseconds and none', () => {
    expect(parseDuration('--idle-timeout', '30m')).toBe(1_800_000);
    expect(parseDuration('--idle-timeout', '8h')).toBe(28_800_000);
    expect(parseDuration('--idle-timeout', '1500')).toBe(1_500);
    expect(parseDuration('--idle-timeout', '2s')).toBe(2_000);
    expect(parseDuration('--max-lifetime', 'none')).toBeNull();
  });

  it('refuses anything else with the fix', () => {
    expect(() => parseDuration('--idle-timeout', '10 minutes')).toThrow('--idle-timeout "10 minutes" is not a duration');
    expect(() => parseDuration('--idle-timeout', '0s')).toThrow(/not a duration/);
  });
});
