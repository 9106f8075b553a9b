import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeFifo, signalFifo } from '../testing/fifo.js';
import { execOutcome } from '../testing/test-relay.js';
import { RuntimeFixture } from '../testing/runtime-fixture.js';

const base64 = (text: string): string => Buffer.from(text).toString('base64');

describe('exec (through the built bin and a real socket)', () => {
  let fixture: RuntimeFixture;

  beforeEach(async () => {
    fixture = await RuntimeFixture.create();
    await fixture.startConnectedRuntime();
  });

  afterEach(async () => {
    await fixture.cleanup();
  });

  it('streams stdout and stderr in order and ends with one process-exit carrying the exit code', async () => {
    fixture.relay.request('exec', 's1:order', { command: 'sh', args: ['-c', 'echo a; echo b >&2; echo c; exit 3'] });
    const outcome = await execOutcome(fixture.relay, 's1:order');
    expect(outcome.stdout).toBe('a\nc\n');
    expect(outcome.stderr).toBe('b\n');
    expect(outcome.exit).toEqual({ code: 3, signal: null });
    expect(outcome.exitCount).toBe(1);
    expect(outcome.framesAfterExit).toBe(0);
  });

  it('delivers output across stdout and stderr in the order it was produced', async () => {
    // Each write waits until the previous one reached the relay, so the order is fully determined.
    const first = makeFifo(join(fixture.outside, 'first'));
    const second = makeFifo(join(fixture.outside, 'second'));
    const script = `echo a; read x < '${first}'; echo b >&2; read x < '${second}'; echo c; exit 3`;
    fixture.relay.request('exec', 's1:interleaved', { command: 'sh', args: ['-c', script] });
    const produced = (text: string) =>
      fixture.relay.waitForFrame(
        (frame) =>
          frame.envelope?.re === 's1:interleaved' &&
          frame.envelope.type === 'process-output' &&
          Buffer.from((frame.envelope.data as { chunk: string }).chunk, 'base64').toString() === text,
        `output ${JSON.stringify(text)}`,
      );
    await produced('a\n');
    await signalFifo(first);
    await produced('b\n');
    await signalFifo(second);
    const outcome = await execOutcome(fixture.relay, 's1:interleaved');
    expect(outcome.chunks).toEqual([
      { stream: 'stdout', text: 'a\n' },
      { stream: 'stderr', text: 'b\n' },
      { stream: 'stdout', text: 'c\n' },
    ]);
    expect(outcome.exit).toEqual({ code: 3, signal: null });
  });

  it('runs in the workspace by default and in a confined cwd when asked', async () => {
    await fixture.relay.call('fs.write', 's1:mk', { path: 'sub/dir/marker.txt', content: 'x' });
    fixture.relay.request('exec', 's1:pwd-root', { command: 'pwd' });
    fixture.relay.request('exec', 's1:pwd-sub', { command: 'pwd', cwd: '/sub/dir' });
    expect((await execOutcome(fixture.relay, 's1:pwd-root')).stdout).toBe(`${fixture.workspace}\n`);
    expect((await execOutcome(fixture.relay, 's1:pwd-sub')).stdout).toBe(`${fixture.workspace}/sub/dir\n`);
    const outside = await fixture.relay.call('exec', 's1:pwd-out', { command: 'pwd', cwd: '../..' });
    expect(outside.error?.code).toBe('path-outside-workspace');
  });

  it('reports an exit by signal', async () => {
    fixture.relay.request('exec', 's1:signal', { command: 'sh', args: ['-c', 'kill -TERM $$'] });
    const outcome = await execOutcome(fixture.relay, 's1:signal');
    expect(outcome.exit).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('ends a missing binary with process-exit 127 and command-not-found instead of hanging', async () => {
    fixture.relay.request('exec', 's1:missing', { command: 'codebolt-definitely-not-installed', args: ['--version'] });
    const outcome = await execOutcome(fixture.relay, 's1:missing');
    expect(outcome.exit.code).toBe(127);
    expect(outcome.exit.signal).toBeNull();
    expect(outcome.exit.error?.code).toBe('command-not-found');
    expect(outcome.exit.error?.message).toContain("'codebolt-definitely-not-installed' was not found in PATH inside the workspace");
    expect(outcome.chunks).toEqual([]);
  });

  it('writes stdin and closes it; without stdin the program sees end of input at once', async () => {
    fixture.relay.request('exec', 's1:stdin', { command: 'cat', stdin: base64('hello from stdin\n') });
    fixture.relay.request('exec', 's1:no-stdin', { command: 'cat' });
    expect(await execOutcome(fixture.relay, 's1:stdin')).toMatchObject({ stdout: 'hello from stdin\n', exit: { code: 0 } });
    expect(await execOutcome(fixture.relay, 's1:no-stdin')).toMatchObject({ stdout: '', exit: { code: 0 } });
  });

  it('passes request env on top of the inherited environment', async () => {
    fixture.relay.request('exec', 's1:env', { command: 'sh', args: ['-c', 'printf %s "$GREETING"'], env: { GREETING: 'hi there' } });
    expect((await execOutcome(fixture.relay, 's1:env')).stdout).toBe('hi there');
  });

  it('process-kill signals the whole process group; an unknown process is not-found', async () => {
    fixture.relay.request('exec', 's1:long', { command: 'sh', args: ['-c', 'echo ready; sleep 600'] });
    await fixture.relay.waitForFrame(
      (frame) => frame.envelope?.type === 'process-output' && frame.envelope.re === 's1:long',
      'first output of s1:long',
    );
    // The app names its exec by its own id; the relay prefixed both ids with the session.
    const kill = await fixture.relay.call('process-kill', 's1:kill', { process: 'long', signal: 'SIGKILL' });
    expect(kill.data).toEqual({});
    const outcome = await execOutcome(fixture.relay, 's1:long');
    expect(outcome.stdout).toBe('ready\n');
    expect(outcome.exit).toEqual({ code: null, signal: 'SIGKILL' });

    const again = await fixture.relay.call('process-kill', 's1:kill-again', { process: 's1:long' });
    expect(again.error?.code).toBe('not-found');
  });

  it('timeoutMs kills the process group and says so', async () => {
    fixture.relay.request('exec', 's1:timeout', { command: 'sleep', args: ['600'], timeoutMs: 300 });
    const outcome = await execOutcome(fixture.relay, 's1:timeout');
    expect(outcome.exit.signal).toBe('SIGKILL');
    expect(outcome.exit.error?.code).toBe('timeout');
  });

  it('refuses a second exec with the id of a running one, and bad exec data', async () => {
    fixture.relay.request('exec', 's1:dup', { command: 'sh', args: ['-c', 'echo up; sleep 600'] });
    await fixture.relay.waitForFrame((frame) => frame.envelope?.type === 'process-output' && frame.envelope.re === 's1:dup', 'output of s1:dup');
    const duplicate = await fixture.relay.call('exec', 's1:dup', { command: 'true' });
    expect(duplicate.error?.code).toBe('conflict');
    const invalid = await fixture.relay.call('exec', 's1:invalid', { args: ['no command'] });
    expect(invalid.error).toEqual({ code: 'bad-request', message: expect.stringContaining('command') });
    await fixture.relay.call('process-kill', 's1:dup-kill', { process: 's1:dup' });
    await execOutcome(fixture.relay, 's1:dup');
  });
});
