import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeFifo, signalFifo } from '../testing/fifo.js';
import { RuntimeFixture } from '../testing/runtime-fixture.js';
import { execOutcome } from '../testing/test-relay.js';

describe('the relay connection (through the built bin and a real socket)', () => {
  let fixture: RuntimeFixture;

  beforeEach(async () => {
    fixture = await RuntimeFixture.create();
  });

  afterEach(async () => {
    await fixture.cleanup();
  });

  it('connects with the bearer token and the codebolt.v1 subprotocol and says hello', async () => {
    await fixture.startConnectedRuntime();
    expect(fixture.relay.authorizations).toEqual([`Bearer ${fixture.token}`]);
    expect(fixture.relay.current.protocol).toBe('codebolt.v1');
    const hello = fixture.relay.frames[0]?.envelope;
    expect(hello).toMatchObject({ v: 1, type: 'hello', id: expect.any(String), data: { version: '0.1.0', workspace: fixture.workspace } });
    expect((hello?.data as { pid: number }).pid).toBe(fixture.runtimes[0]?.child.pid);
  });

  it('loses no output of a running command when the relay connection drops; all of it arrives after the reconnect', async () => {
    const relay = fixture.relay;
    const runtime = await fixture.startConnectedRuntime();
    const gate = makeFifo(join(fixture.outside, 'gate'));
    const finished = makeFifo(join(fixture.outside, 'finished'));
    const script =
      `echo first; read x < '${gate}'; ` +
      'i=0; while [ $i -lt 500 ]; do echo "line $i"; i=$((i+1)); done; echo "to stderr" >&2; ' +
      `echo done > '${finished}'; exit 7`;
    relay.request('exec', 's1:stream', { command: 'sh', args: ['-c', script] });
    await relay.waitForFrame((frame) => frame.envelope?.type === 'process-output' && frame.envelope.re === 's1:stream', 'first output');

    // Drop the link and hold the runtime's next upgrade: from here on it is disconnected.
    relay.holdUpgrades = true;
    relay.dropAbruptly();
    await relay.waitForUpgradeAttempt(2);
    // Let the command produce the rest of its output and wait until it has written all of it.
    await signalFifo(gate);
    expect(await readFile(finished, 'utf8')).toBe('done\n');
    relay.releaseUpgrades();

    const outcome = await execOutcome(relay, 's1:stream');
    const expected = ['first', ...Array.from({ length: 500 }, (_, index) => `line ${index}`)].map((line) => `${line}\n`).join('');
    expect(outcome.stdout).toBe(expected);
    expect(outcome.stderr).toBe('to stderr\n');
    expect(outcome.exit).toEqual({ code: 7, signal: null });
    expect(outcome.exitCount).toBe(1);
    expect(relay.helloCount).toBe(2);
    // The output after the gate travelled on the second connection.
    const exitFrame = relay.frames.find((frame) => frame.envelope?.type === 'process-exit');
    expect(exitFrame?.connection).toBe(1);
    expect(runtime.running).toBe(true);
  });

  it('exits with code 3 when the relay answers the upgrade with 401', async () => {
    fixture.relay.refuseStatus = 401;
    const runtime = fixture.startRuntime();
    const exit = await runtime.waitForExit();
    expect(exit).toEqual({ code: 3, signal: null });
    expect(runtime.stderr).toMatch(/refused the runtime token \(HTTP 401/);
    expect(runtime.stderr.trim().split('\n').filter((line) => line.includes('refused'))).toHaveLength(1);
    expect(runtime.stderr).not.toContain(fixture.token);
  });

  it('exits with code 3 when its token is superseded (403 on reconnect) and kills its processes', async () => {
    const relay = fixture.relay;
    const runtime = await fixture.startConnectedRuntime();
    const held = makeFifo(join(fixture.outside, 'held'));
    relay.request('exec', 's1:orphan', { command: 'sh', args: ['-c', `sleep 600 > '${held}' & echo started; wait`] });
    // The reader sees end of file only once every writer (sh and sleep) is gone.
    const writersGone = readFile(held, 'utf8');
    await relay.waitForFrame((frame) => frame.envelope?.type === 'process-output' && frame.envelope.re === 's1:orphan', 'started');

    relay.refuseStatus = 403;
    relay.dropAbruptly();
    expect(await runtime.waitForExit()).toEqual({ code: 3, signal: null });
    expect(runtime.stderr).toMatch(/refused the runtime token \(HTTP 403/);
    expect(await writersGone).toBe('');
  });

  it('answers malformed frames with bad-request and keeps serving', async () => {
    const relay = fixture.relay;
    const runtime = await fixture.startConnectedRuntime();
    relay.current.send('this is not json');
    const notJson = await relay.waitForFrame((frame) => frame.envelope?.error?.code === 'bad-request' && frame.envelope.type === 'error', 'bad-request');
    expect(notJson.envelope?.re).toBeUndefined();

    relay.current.send(JSON.stringify({ v: 2, type: 'fs.read', id: 'bad-version', data: { path: 'x' } }));
    const badVersion = await relay.waitForFrame((frame) => frame.envelope?.re === 'bad-version', 'answer to bad-version');
    expect(badVersion.envelope).toMatchObject({ type: 'fs.read', error: { code: 'bad-request', message: expect.stringContaining('invalid envelope: v') } });

    const badData = await relay.call('fs.read', 'bad-data', { path: 42 });
    expect(badData.error).toEqual({ code: 'bad-request', message: expect.stringMatching(/^invalid fs.read data: path/) });

    const unknown = await relay.call('agent.start', 'unknown-type', {});
    expect(unknown.error?.code).toBe('unsupported');

    relay.request('fs.list', undefined, {});
    await runtime.waitForStderr(/ignored a 'fs.list' frame without an id/);

    expect((await relay.call('fs.write', 'still-serving', { path: 'ok.txt', content: 'fine' })).data).toEqual({ size: 4 });
    expect(runtime.running).toBe(true);
    expect(relay.helloCount).toBe(1);
  });

  it('uses a token rotated by runtime-token on the next connect, and reconnects when the relay asks', async () => {
    const relay = fixture.relay;
    await fixture.startConnectedRuntime();
    const rotated = await relay.call('runtime-token', 'rotate-1', { token: 'fresh-token-2' });
    expect(rotated.data).toEqual({});
    relay.acceptedTokens.clear();
    relay.acceptedTokens.add('fresh-token-2');

    relay.request('reconnect', undefined, { retryAfterMs: 50 });
    await relay.waitForHello(2);
    expect(relay.authorizations).toEqual([`Bearer ${fixture.token}`, 'Bearer fresh-token-2']);
    expect((await relay.call('fs.list', 'after-reconnect', {})).data).toEqual({ entries: [] });
  });

  it('keeps redialing while the relay refuses with a non-auth status, then connects', async () => {
    const relay = fixture.relay;
    relay.refuseStatus = 503;
    const runtime = fixture.startRuntime();
    await relay.waitForUpgradeAttempt(3);
    relay.refuseStatus = undefined;
    await relay.waitForHello(1);
    expect(runtime.stderr).toContain('relay answered the WebSocket upgrade with HTTP 503');
    expect(runtime.running).toBe(true);
  });
});
