import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeFrame } from '@codebolt/protocol';
import type { EnvironmentChannel } from '@codebolt/sdk';
import type { RuntimeHandle } from '@codebolt/runtime';
import { type LosslessHarness, startLosslessHarness } from './support/lossless-harness.js';

let harness: LosslessHarness | undefined;
let channel: EnvironmentChannel | undefined;

afterEach(async () => {
  await channel?.close();
  channel = undefined;
  await harness?.dispose();
  harness = undefined;
});

/** Deterministic bytes of a given size, different for each `salt`. */
const bytesOf = (size: number, salt: number): Uint8Array => Uint8Array.from({ length: size }, (_, index) => (index * 31 + salt * 7) & 0xff);

describe('binary frames end to end', () => {
  it('keep their type and boundaries: bytes arrive as bytes, text as text, both ways, through the relay', async () => {
    harness = await startLosslessHarness({
      onMessage: (data, { reply }) => {
        // Bytes come back reversed, as bytes; anything else comes back wrapped, as JSON.
        if (data instanceof Uint8Array) reply(Uint8Array.from(data).reverse());
        else reply({ got: data });
      },
    });
    channel = await harness.client.connect(harness.environmentId);
    const every = bytesOf(256, 0).map((_, index) => index);
    const big = bytesOf(3 * 1024 * 1024 + 17, 1);
    for (const payload of [every, new Uint8Array(0), big]) {
      const answer = await channel.request(payload, { timeoutMs: 60_000 });
      expect(answer).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(answer as Uint8Array).equals(Buffer.from(Uint8Array.from(payload).reverse()))).toBe(true);
    }
    expect(await channel.request(every.buffer)).toBeInstanceOf(Uint8Array);
    // Text stays text: a string that looks like bytes, and JSON.
    expect(await channel.request('AAEC')).toEqual({ got: 'AAEC' });
    expect(await channel.request({ bytes: [0, 1, 2] })).toEqual({ got: { bytes: [0, 1, 2] } });
  });

  it('are numbered and resumed like text: 300 frames of mixed sizes with connection drops and a graceful relay restart, none lost, repeated or merged', async () => {
    const box: { runtime?: RuntimeHandle } = {};
    const atRuntime: Uint8Array[] = [];
    harness = await startLosslessHarness({
      onMessage: (data) => {
        atRuntime.push(data as Uint8Array);
        box.runtime?.send(data);
      },
    });
    box.runtime = harness.runtime;
    channel = await harness.client.connect(harness.environmentId, { reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
    const atApp: Uint8Array[] = [];
    let notify: () => void = () => {};
    channel.on('message', (data) => {
      atApp.push(data as Uint8Array);
      notify();
    });
    const gaps: unknown[] = [];
    channel.on('gap', (gap) => gaps.push(gap));
    const TOTAL = 300;
    const sent = Array.from({ length: TOTAL }, (_, index) => bytesOf([0, 1, 100, 4096, 70_000][index % 5]!, index));
    for (const [index, payload] of sent.entries()) {
      channel.send(payload);
      if (index === 100) harness.appProxy.reset();
      if (index === 150) harness.runtimeProxy.reset();
      if (index === 200) await harness.restartRelay();
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${atApp.length} of ${TOTAL} echoes arrived`)), 60_000);
      notify = () => {
        if (atApp.length < TOTAL) return;
        clearTimeout(timer);
        resolve();
      };
      notify();
    });
    const same = (left: Uint8Array[]) => left.length === TOTAL && left.every((payload, index) => payload instanceof Uint8Array && Buffer.from(payload).equals(Buffer.from(sent[index]!)));
    expect(same(atRuntime)).toBe(true);
    expect(same(atApp)).toBe(true);
    expect(gaps).toEqual([]);
  });

  it('are refused for anything but message, and malformed ones, with bad-request; the relay stays up', async () => {
    harness = await startLosslessHarness({ onMessage: () => undefined });
    const socket = new WebSocket(`ws://127.0.0.1:${harness.relay.port}/v1/connect?env=${harness.environmentId}`, ['codebolt.v1'], {
      headers: { authorization: `Bearer ${harness.token}` },
    });
    socket.on('error', () => undefined);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('unexpected-response', () => reject(new Error('refused')));
    });
    const errors: string[] = [];
    let notify: () => void = () => {};
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const frame = JSON.parse(String(data)) as { error?: { code: string; message: string } };
      if (frame.error) errors.push(`${frame.error.code}: ${frame.error.message}`);
      notify();
    });
    socket.send(encodeFrame({ v: 1, type: 'message', id: 'ok', data: new Uint8Array([1]) }).slice(0), { binary: true });
    const exec = encodeFrame({ v: 1, type: 'message', id: 'x1', data: new Uint8Array([1, 2]) }) as Uint8Array;
    // Rewrite the header's type: an exec may not travel as a binary frame.
    const tampered = Buffer.from(Buffer.from(exec).toString('latin1').replace('"message"', '"exec"   '), 'latin1');
    socket.send(tampered, { binary: true });
    socket.send(Buffer.from([0, 0]), { binary: true });
    socket.send(Buffer.from([0, 0, 0x10, 0, 1, 2]), { binary: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only these errors arrived: ${errors.join(' | ')}`)), 20_000);
      notify = () => {
        if (errors.length < 3) return;
        clearTimeout(timer);
        resolve();
      };
      notify();
    });
    expect(errors).toEqual([
      expect.stringMatching(/^bad-request: .*(JSON|header)/),
      expect.stringMatching(/^bad-request: .*shorter/),
      expect.stringMatching(/^bad-request: .*header length/),
    ]);
    socket.terminate();
    expect((await fetch(`${harness.relay.url}/health`)).status).toBe(200);
  });
});
