import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeHandle } from '@codebolt/runtime';
import { type LosslessHarness, startLosslessHarness } from './support/lossless-harness.js';

/**
 * Property: whatever the interleaving of sends, app connection drops, runtime connection drops,
 * a stalled runtime link and graceful relay restarts, every message reaches the runtime once and
 * in order, every echo reaches the app once and in order, and no gap is reported. One relay and
 * runtime serve every run; each run uses its own channel and numbering.
 */
type Step = { kind: 'send'; count: number } | { kind: 'drop-app' } | { kind: 'drop-runtime' } | { kind: 'stall-runtime'; count: number } | { kind: 'restart-relay' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('send' as const), count: fc.integer({ min: 1, max: 25 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'drop-app' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'drop-runtime' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stall-runtime' as const), count: fc.integer({ min: 1, max: 10 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart-relay' as const }) },
);

let harness: LosslessHarness;
const box: { runtime?: RuntimeHandle } = {};
const atRuntime = new Map<number, number[]>();

beforeAll(async () => {
  harness = await startLosslessHarness({
    onMessage: (data) => {
      const { run, n } = data as { run: number; n: number };
      atRuntime.set(run, [...(atRuntime.get(run) ?? []), n]);
      box.runtime?.send({ run, n });
    },
  });
  box.runtime = harness.runtime;
});

afterAll(async () => {
  await harness?.dispose();
});

describe('lossless channels (property, fast-check)', () => {
  it('random interleavings of send, drop, stall and restart lose, repeat and reorder nothing', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        run += 1;
        const thisRun = run;
        const channel = await harness.client.connect(harness.environmentId, { reconnect: { initialDelayMs: 10, maxDelayMs: 100 } });
        try {
          const atApp: number[] = [];
          let notify: () => void = () => {};
          channel.on('message', (data) => {
            const echo = data as { run: number; n: number };
            if (echo.run === thisRun) atApp.push(echo.n);
            notify();
          });
          const gaps: unknown[] = [];
          channel.on('gap', (gap) => gaps.push(gap));
          let sent = 0;
          const send = (count: number) => {
            for (let index = 0; index < count; index += 1) channel.send({ run: thisRun, n: ++sent });
          };
          for (const next of steps) {
            if (next.kind === 'send') send(next.count);
            else if (next.kind === 'drop-app') harness.appProxy.reset();
            else if (next.kind === 'drop-runtime') harness.runtimeProxy.reset();
            else if (next.kind === 'stall-runtime') {
              harness.runtimeProxy.pause();
              send(next.count);
              harness.runtimeProxy.resume();
            } else await harness.restartRelay();
          }
          send(1);
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`run ${thisRun}: ${atApp.length} of ${sent} echoes after 60 s (steps ${JSON.stringify(steps)})`)), 60_000);
            notify = () => {
              if (atApp.length < sent) return;
              clearTimeout(timer);
              resolve();
            };
            notify();
          });
          const expected = Array.from({ length: sent }, (_, index) => index + 1);
          expect(atRuntime.get(thisRun)).toEqual(expected);
          expect(atApp).toEqual(expected);
          expect(gaps).toEqual([]);
        } finally {
          await channel.close();
        }
      }),
      { numRuns: Number(process.env.CODEBOLT_PROPERTY_RUNS ?? 15), endOnFailure: true },
    );
  });
});
