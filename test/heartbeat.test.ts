import { afterEach, describe, expect, it } from 'vitest';
import type { EnvironmentChannel } from '@codebolt/sdk';
import { type LosslessHarness, startLosslessHarness } from './support/lossless-harness.js';

const INTERVAL_MS = 300;
const TIMEOUT_MS = 400;

let harness: LosslessHarness | undefined;
let channel: EnvironmentChannel | undefined;

afterEach(async () => {
  await channel?.close();
  channel = undefined;
  await harness?.dispose();
  harness = undefined;
});

describe('heartbeats', () => {
  it('a black-holed runtime is detected within interval + deadline and shown as runtime-disconnected; it comes back after', async () => {
    harness = await startLosslessHarness({ onMessage: () => undefined, relay: { heartbeatIntervalMs: INTERVAL_MS, heartbeatTimeoutMs: TIMEOUT_MS } });
    channel = await harness.client.connect(harness.environmentId);
    const disconnected = new Promise<number>((resolve) => channel?.on('runtime-disconnected', () => resolve(Date.now())));
    const blackHoledAt = Date.now();
    harness.runtimeProxy.pause();
    const detectedAfterMs = (await disconnected) - blackHoledAt;
    // interval + deadline, plus scheduling slack on a loaded machine.
    expect(detectedAfterMs).toBeLessThanOrEqual(INTERVAL_MS + TIMEOUT_MS + 1_000);
    expect(harness.runtimeProxy.connections.size).toBe(0);
    const reconnected = new Promise((resolve) => channel?.on('runtime-connected', resolve));
    harness.runtimeProxy.resume();
    await reconnected;
    const environment = await harness.client.environments.get(harness.environmentId);
    expect(environment.runtime.connected).toBe(true);
  });

  it('a runtime notices a black-holed relay within two ping intervals by itself, and reconnects', async () => {
    const PING_MS = 300;
    const lines: string[] = [];
    let notify: () => void = () => {};
    harness = await startLosslessHarness({
      onMessage: () => undefined,
      // The relay's own heartbeat is slow here, so only the runtime's ping can notice.
      relay: { heartbeatIntervalMs: 120_000, heartbeatTimeoutMs: 60_000 },
      runtime: {
        pingIntervalMs: PING_MS,
        logger: (line) => {
          lines.push(line);
          notify();
        },
      },
    });
    channel = await harness.client.connect(harness.environmentId);
    const noticed = new Promise<number>((resolve) => {
      notify = () => {
        if (lines.some((line) => line.includes('did not answer a ping'))) resolve(Date.now());
      };
    });
    const blackHoledAt = Date.now();
    harness.runtimeProxy.pause();
    expect((await noticed) - blackHoledAt).toBeLessThanOrEqual(2 * PING_MS + 1_000);
    const reconnected = new Promise((resolve) => channel?.on('runtime-connected', resolve));
    harness.runtimeProxy.resume();
    await reconnected;
    expect((await harness.client.environments.get(harness.environmentId)).runtime.connected).toBe(true);
  });

  it('a black-holed app connection is dropped by the relay within interval + deadline, and the app resumes', async () => {
    harness = await startLosslessHarness({ onMessage: () => undefined, relay: { heartbeatIntervalMs: INTERVAL_MS, heartbeatTimeoutMs: TIMEOUT_MS } });
    channel = await harness.client.connect(harness.environmentId, { reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
    const reconnecting = new Promise<number>((resolve) => channel?.on('reconnecting', () => resolve(Date.now())));
    const blackHoledAt = Date.now();
    harness.appProxy.pause();
    const detectedAfterMs = (await reconnecting) - blackHoledAt;
    expect(detectedAfterMs).toBeLessThanOrEqual(INTERVAL_MS + TIMEOUT_MS + 1_000);
    const resumed = new Promise((resolve) => channel?.on('resumed', resolve));
    harness.appProxy.resume();
    await resumed;
    harness.runtime.send({ hello: 'after' });
    expect(await new Promise((resolve) => channel?.on('message', resolve))).toEqual({ hello: 'after' });
  });

  it("an app notices a black-holed relay by itself (its own ping goes unanswered) and resumes without losing anything", async () => {
    // The relay's own heartbeat is slow here, so only the app's ping can notice.
    harness = await startLosslessHarness({ onMessage: () => undefined, relay: { heartbeatIntervalMs: 120_000, heartbeatTimeoutMs: 60_000 } });
    channel = await harness.client.connect(harness.environmentId, { reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, heartbeat: { intervalMs: INTERVAL_MS, timeoutMs: TIMEOUT_MS } });
    const reconnecting = new Promise<{ at: number; reason: string }>((resolve) => channel?.on('reconnecting', (event) => resolve({ at: Date.now(), reason: event.reason })));
    const blackHoledAt = Date.now();
    harness.appProxy.pause();
    const noticed = await reconnecting;
    expect(noticed.reason).toContain('no frame from the relay');
    // Two intervals plus the deadline at most, plus scheduling slack on a loaded machine.
    expect(noticed.at - blackHoledAt).toBeLessThanOrEqual(2 * INTERVAL_MS + TIMEOUT_MS + 1_000);
    // Output sent while the app was cut off arrives after it resumes.
    harness.runtime.send({ during: 'black hole' });
    const message = new Promise((resolve) => channel?.on('message', resolve));
    const resumed = new Promise((resolve) => channel?.on('resumed', resolve));
    harness.appProxy.resume();
    await resumed;
    expect(await message).toEqual({ during: 'black hole' });
    expect(channel.gapCount).toBe(0);
  });
});
