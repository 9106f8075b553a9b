import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RequestJournal } from './request-journal.js';
import { makeFifo, signalFifo } from './testing/fifo.js';
import { RuntimeFixture } from './testing/runtime-fixture.js';
import { execOutcome } from './testing/test-relay.js';

describe('repeated requests (through the built bin and a real socket)', () => {
  let fixture: RuntimeFixture;

  beforeEach(async () => {
    fixture = await RuntimeFixture.create();
    await fixture.startConnectedRuntime();
  });

  afterEach(async () => {
    await fixture.cleanup();
  });

  const exitsOf = (id: string) => fixture.relay.frames.filter((frame) => frame.envelope?.re === id && frame.envelope.type === 'process-exit').length;
  /** Sends a request and waits for a new answer to it (`call` would also match an earlier answer to the same id). */
  const callAgain = async (type: string, id: string, data: unknown) => {
    const answers = () => fixture.relay.frames.filter((frame) => frame.envelope?.re === id && frame.envelope.type === type);
    const before = answers().length;
    const answer = fixture.relay.waitForFrame(() => answers().length > before, `a new ${type} answer to ${id}`);
    fixture.relay.request(type, id, data);
    await answer;
    return answers()[before]!.envelope!;
  };

  it('runs an exec repeated while it runs only once, and answers a repeat after it ended with the same exit, without running it again', async () => {
    const gate = makeFifo(join(fixture.outside, 'gate'));
    const exec = { command: 'sh', args: ['-c', `echo ran >> '${join(fixture.outside, 'runs')}'; echo started; read x < '${gate}'; exit 7`] };
    fixture.relay.request('exec', 's1:once', exec);
    await fixture.relay.waitForFrame((frame) => frame.envelope?.type === 'process-output' && frame.envelope.re === 's1:once', 'exec started');
    fixture.relay.request('exec', 's1:once', exec);
    // The repeat is not answered `conflict`: it is ignored, and the one process goes on.
    const marker = await fixture.relay.call('fs.list', 's1:after-repeat', { path: '.' });
    expect(marker.error).toBeUndefined();
    expect(fixture.relay.frames.some((frame) => frame.envelope?.re === 's1:once' && frame.envelope.error !== undefined)).toBe(false);
    await signalFifo(gate);
    expect((await execOutcome(fixture.relay, 's1:once')).exit).toEqual({ code: 7, signal: null });

    const replayed = fixture.relay.waitForFrame((frame) => frame.envelope?.re === 's1:once' && frame.envelope.type === 'process-exit' && exitsOf('s1:once') === 2, 'the replayed exit');
    fixture.relay.request('exec', 's1:once', exec);
    expect((await replayed).envelope?.data).toEqual({ code: 7, signal: null });
    expect(await readFile(join(fixture.outside, 'runs'), 'utf8')).toBe('ran\n');
  });

  it('does not apply a repeated write again after a later write', async () => {
    expect((await fixture.relay.call('fs.write', 's1:w1', { path: 'f.txt', content: 'first' })).error).toBeUndefined();
    expect((await fixture.relay.call('fs.write', 's1:w2', { path: 'f.txt', content: 'second' })).error).toBeUndefined();
    const repeat = await callAgain('fs.write', 's1:w1', { path: 'f.txt', content: 'first' });
    expect(repeat.error).toBeUndefined();
    expect(await readFile(join(fixture.workspace, 'f.txt'), 'utf8')).toBe('second');
  });

  it('answers an id reused for a different request with conflict', async () => {
    expect((await fixture.relay.call('fs.write', 's1:w', { path: 'a.txt', content: 'a' })).error).toBeUndefined();
    const reused = await callAgain('fs.write', 's1:w', { path: 'b.txt', content: 'b' });
    expect(reused.error?.code).toBe('conflict');
  });
});

describe('RequestJournal bounds', () => {
  const answer = (id: string, size = 10) => ({ v: 1 as const, type: 'fs.write', re: id, data: { size, pad: 'x'.repeat(size) } });

  it('serves reads every time and remembers once-only requests', () => {
    const journal = new RequestJournal();
    expect(journal.admit('a', 'fs.read', { path: 'x' })).toEqual({ kind: 'serve' });
    expect(journal.admit('a', 'fs.read', { path: 'x' })).toEqual({ kind: 'serve' });
    expect(journal.admit('b', 'fs.write', { path: 'x' })).toEqual({ kind: 'serve' });
    expect(journal.admit('b', 'fs.write', { path: 'x' })).toEqual({ kind: 'in-progress' });
    journal.observe(answer('b'));
    expect(journal.admit('b', 'fs.write', { path: 'x' })).toEqual({ kind: 'replay', answer: answer('b') });
    expect(journal.admit('b', 'fs.write', { path: 'y' })).toEqual({ kind: 'mismatch' });
  });

  it('drops the oldest answers past maxAnswerBytes (outcome then unknown) and the oldest ids past maxRequests', () => {
    const journal = new RequestJournal({ maxRequests: 3, maxAnswerBytes: 200 });
    for (const id of ['a', 'b']) {
      journal.admit(id, 'fs.write', {});
      journal.observe(answer(id, 100));
    }
    expect(journal.admit('a', 'fs.write', {})).toEqual({ kind: 'forgotten' });
    expect(journal.admit('b', 'fs.write', {}).kind).toBe('replay');
    journal.admit('c', 'fs.write', {});
    journal.admit('d', 'fs.write', {});
    expect(journal.size).toBe(3);
    // 'a' fell out of the window entirely: it would be served as new.
    expect(journal.admit('a', 'fs.write', {})).toEqual({ kind: 'serve' });
  });
});
