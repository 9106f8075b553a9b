import { afterEach, describe, expect, it } from 'vitest';
import type { EnvironmentChannel } from '@codebolt/sdk';
import type { RuntimeHandle } from '@codebolt/runtime';
import { type LosslessHarness, startLosslessHarness } from './support/lossless-harness.js';

const FRAMES = 10_000;
const DROPS = 50;

let harness: LosslessHarness | undefined;
let channel: EnvironmentChannel | undefined;

afterEach(async () => {
  await channel?.close();
  channel = undefined;
  await harness?.dispose();
  harness = undefined;
});

/** Resolves once `predicate()` holds, re-checked whenever `subscribe` reports progress; rejects after `timeoutMs`. */
function until(predicate: () => boolean, subscribe: (notify: () => void) => () => void, what: string, timeoutMs = 120_000): Promise<void> {
  if (predicate()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const unsubscribe = subscribe(() => {
      if (!predicate()) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}

describe('lossless channels through a fault proxy', () => {
  it(`${FRAMES} numbered frames each way with ${DROPS} random connection drops: no gap, no duplicate, order kept`, async () => {
    const atRuntime: number[] = [];
    let runtime: RuntimeHandle | undefined;
    const pendingEchoes: number[] = [];
    harness = await startLosslessHarness({
      onMessage: (data) => {
        const { n } = data as { n: number };
        atRuntime.push(n);
        if (runtime) runtime.send({ echo: n });
        else pendingEchoes.push(n);
      },
    });
    runtime = harness.runtime;
    for (const n of pendingEchoes.splice(0)) runtime.send({ echo: n });
    channel = await harness.client.connect(harness.environmentId, { reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
    const atApp: number[] = [];
    const progress = new Set<() => void>();
    const subscribe = (notify: () => void) => {
      progress.add(notify);
      return () => progress.delete(notify);
    };
    channel.on('message', (data) => {
      atApp.push((data as { echo: number }).echo);
      for (const notify of [...progress]) notify();
    });
    let reconnects = 0;
    channel.on('resumed', () => {
      reconnects += 1;
    });
    const gaps: unknown[] = [];
    channel.on('gap', (gap) => gaps.push(gap));

    const dropEvery = FRAMES / DROPS;
    let drops = { app: 0, runtime: 0 };
    for (let n = 1; n <= FRAMES; n += 1) {
      channel.send({ n });
      if (n % dropEvery === 0) {
        const proxy = Math.random() < 0.5 ? 'app' : 'runtime';
        const reset = (proxy === 'app' ? harness.appProxy : harness.runtimeProxy).reset();
        if (reset > 0) drops = { ...drops, [proxy]: drops[proxy] + 1 };
      }
      if (n % dropEvery === dropEvery / 2) {
        // Half-way to the next drop, wait until everything sent so far has come back: both links
        // are up again, so the next drop hits a live connection while frames are in flight.
        await until(() => atApp.length >= n, subscribe, `echoes up to ${n}`);
      }
    }
    await until(() => atApp.length >= FRAMES, subscribe, `all ${FRAMES} echoes`);
    // A final marker proves nothing more (no late duplicate) was in flight.
    channel.send({ n: FRAMES + 1 });
    await until(() => atApp.length >= FRAMES + 1, subscribe, 'the final marker');

    const expected = Array.from({ length: FRAMES + 1 }, (_, index) => index + 1);
    expect(atRuntime).toEqual(expected);
    expect(atApp).toEqual(expected);
    expect(gaps).toEqual([]);
    expect(channel.gapCount).toBe(0);
    expect(drops.app + drops.runtime).toBe(DROPS);
    expect(reconnects).toBe(drops.app);
  });
});
