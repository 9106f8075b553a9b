import { afterEach, describe, expect, it } from 'vitest';
import type { GapEvent } from '@codebolt/protocol';
import { type EnvironmentChannel, createClient } from '@codebolt/sdk';
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
function until(predicate: () => boolean, subscribe: (notify: () => void) => () => void, what: string, timeoutMs = 20_000): Promise<void> {
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

  it('resuming from a cursor older than the retained window is cursor-expired every time, reported as a gap, and the window is replayed', async () => {
    const WINDOW = 10;
    const BATCH = 40;
    const ITERATIONS = 20;
    harness = await startLosslessHarness({ onMessage: () => undefined, relay: { streamWindowMaxFrames: WINDOW } });
    const { runtime, appProxy } = harness;
    channel = await harness.client.connect(harness.environmentId, { reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
    // A second app straight to the relay (no proxy) tells when the runtime's frames are in the window.
    const direct = await createClient({ url: harness.relay.url, token: harness.token }).connect(harness.environmentId);
    try {
      const atApp: number[] = [];
      let atDirect = 0;
      const gaps: GapEvent[] = [];
      const progress = new Set<() => void>();
      const subscribe = (notify: () => void) => {
        progress.add(notify);
        return () => progress.delete(notify);
      };
      const notify = () => {
        for (const listener of [...progress]) listener();
      };
      channel.on('message', (data) => {
        atApp.push((data as { n: number }).n);
        notify();
      });
      channel.on('gap', (gap) => {
        gaps.push(gap);
        notify();
      });
      direct.on('message', () => {
        atDirect += 1;
        notify();
      });
      // Both apps must be attached before the runtime sends (a resume answer attaches them).
      await until(() => atDirect === 0, subscribe, 'attach');
      let next = 1;
      for (let iteration = 1; iteration <= ITERATIONS; iteration += 1) {
        appProxy.pause();
        for (let index = 0; index < BATCH; index += 1) runtime.send({ n: next++ });
        await until(() => atDirect === next - 1, subscribe, `the direct app to see frame ${next - 1}`);
        appProxy.reset();
        appProxy.resume();
        await until(() => gaps.length === iteration && atApp.at(-1) === next - 1, subscribe, `gap and replay #${iteration}`);
      }
      expect(gaps).toHaveLength(ITERATIONS);
      for (const gap of gaps) {
        expect(gap.reason).toBe('cursor-expired');
        expect(gap.message).toMatch(/oldest available seq is \d+/);
      }
      // Each iteration delivered exactly the newest WINDOW frames of its batch, in order, once.
      const expected: number[] = [];
      for (let iteration = 0; iteration < ITERATIONS; iteration += 1) {
        for (let index = BATCH - WINDOW; index < BATCH; index += 1) expected.push(iteration * BATCH + index + 1);
      }
      expect(atApp).toEqual(expected);
    } finally {
      await direct.close();
    }
  });

  it('a long exec whose output spans runtime disconnects delivers all of it, in order, and the exit code', async () => {
    harness = await startLosslessHarness({ onMessage: () => undefined });
    channel = await harness.client.connect(harness.environmentId);
    const script = 'i=1; while [ $i -le 3000 ]; do echo "line $i"; if [ $((i % 100)) -eq 0 ]; then sleep 0.02; fi; i=$((i+1)); done; exit 3';
    const handle = channel.exec('sh', ['-c', script]);
    let stdout = '';
    const decoder = new TextDecoder();
    let drops = 0;
    for await (const chunk of handle.output) {
      stdout += decoder.decode(chunk.data, { stream: true });
      const lines = stdout.split('\n').length;
      if (drops < 5 && lines > (drops + 1) * 500) drops += harness.runtimeProxy.reset() > 0 ? 1 : 0;
    }
    expect(drops).toBe(5);
    expect(stdout).toBe(Array.from({ length: 3000 }, (_, index) => `line ${index + 1}\n`).join(''));
    expect(await handle.exit).toEqual({ code: 3, signal: null });
    expect(channel.gapCount).toBe(0);
  });

  it('a graceful relay restart during traffic loses nothing and repeats nothing, both ways', async () => {
    const atRuntime: number[] = [];
    const box: { runtime?: RuntimeHandle } = {};
    harness = await startLosslessHarness({
      onMessage: (data) => {
        const { n } = data as { n: number };
        atRuntime.push(n);
        box.runtime?.send({ echo: n });
      },
    });
    box.runtime = harness.runtime;
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
    const gaps: unknown[] = [];
    channel.on('gap', (gap) => gaps.push(gap));
    const TOTAL = 2000;
    for (let n = 1; n <= TOTAL; n += 1) {
      channel.send({ n });
      if (n === 500 || n === 1500) await harness.restartRelay();
    }
    await until(() => atApp.length >= TOTAL, subscribe, `all ${TOTAL} echoes`);
    channel.send({ n: TOTAL + 1 });
    await until(() => atApp.length >= TOTAL + 1, subscribe, 'the final marker');
    const expected = Array.from({ length: TOTAL + 1 }, (_, index) => index + 1);
    expect(atRuntime).toEqual(expected);
    expect(atApp).toEqual(expected);
    expect(gaps).toEqual([]);
  });
});
