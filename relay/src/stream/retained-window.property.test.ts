import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RetainedWindow } from './retained-window.js';

describe('RetainedWindow (property)', () => {
  it('keeps exactly the newest frames that fit both bounds (always the newest one), and after(seq) replays them in order', () => {
    fc.assert(
      fc.property(
        fc.record({ maxFrames: fc.integer({ min: 1, max: 50 }), maxBytes: fc.integer({ min: 1, max: 5_000 }) }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 3_000 }),
        fc.integer({ min: 0, max: 3_100 }),
        (limits, sizes, cursor) => {
          const window = new RetainedWindow(limits);
          sizes.forEach((bytes, index) => window.append({ seq: index + 1, target: undefined, text: 'x', bytes }));
          // The model: walk back from the newest frame while both bounds hold.
          let kept = 0;
          let bytes = 0;
          for (let index = sizes.length - 1; index >= 0; index -= 1) {
            const next = bytes + sizes[index]!;
            if (kept >= 1 && (kept + 1 > limits.maxFrames || next > limits.maxBytes)) break;
            kept += 1;
            bytes = next;
          }
          const expected = Array.from({ length: kept }, (_, index) => sizes.length - kept + index + 1);
          expect(window.all().map((frame) => frame.seq)).toEqual(expected);
          expect(window.bytes).toBe(bytes);
          expect(window.oldestSeq).toBe(expected[0]);
          expect([...window.after(cursor)].map((frame) => frame.seq)).toEqual(expected.filter((seq) => seq > cursor));
        },
      ),
      { numRuns: 300 },
    );
  });
});
