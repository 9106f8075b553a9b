import { join } from 'node:path';
import { CodeboltError } from '@codebolt/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRuntime, type RuntimeHandle } from './index.js';
import { RuntimeFixture } from './testing/runtime-fixture.js';

describe('startRuntime (embedded, in this process, against a real socket)', () => {
  let fixture: RuntimeFixture;
  let handles: RuntimeHandle[];
  let logLines: string[];

  beforeEach(async () => {
    fixture = await RuntimeFixture.create();
    handles = [];
    logLines = [];
  });

  afterEach(async () => {
    await Promise.all(handles.map((handle) => handle.close()));
    await fixture.cleanup();
  });

  const start = (overrides: Partial<Parameters<typeof startRuntime>[0]> = {}): RuntimeHandle => {
    const handle = startRuntime({
      url: fixture.relay.url,
      token: fixture.token,
      workspace: fixture.workspace,
      stateDir: fixture.stateDir,
      logger: (line) => logLines.push(line),
      ...overrides,
    });
    handles.push(handle);
    return handle;
  };

  it('hands messages to onMessage, routes replies by re, and sends runtime-initiated messages without re', async () => {
    const received: unknown[] = [];
    const handle = start({
      version: '9.9.9-test',
      onMessage: (data, { reply }) => {
        received.push(data);
        reply({ echo: data });
      },
    });
    await handle.connected;
    expect(fixture.relay.frames[0]?.envelope?.data).toMatchObject({ version: '9.9.9-test', pid: process.pid });

    const answer = await fixture.relay.call('message', 's1:m1', { question: 42 });
    expect(answer).toEqual({ v: 1, type: 'message', re: 's1:m1', seq: expect.any(Number), data: { echo: { question: 42 } } });
    expect(received).toEqual([{ question: 42 }]);

    handle.send({ progress: 'half way' });
    const event = await fixture.relay.waitForFrame((frame) => frame.envelope?.type === 'message' && frame.envelope.re === undefined, 'event');
    expect(event.envelope).toEqual({ v: 1, type: 'message', seq: expect.any(Number), data: { progress: 'half way' } });

    await handle.close();
    await expect(handle.done).resolves.toBeUndefined();
  });

  it('answers a throwing message handler with its error code', async () => {
    const handle = start({
      onMessage: async () => {
        throw new CodeboltError('invalid-state', 'not now');
      },
    });
    await handle.connected;
    const answer = await fixture.relay.call('message', 's1:m2', {});
    expect(answer.error).toEqual({ code: 'invalid-state', message: 'not now' });
  });

  it('buffers messages sent before the first connection and delivers them after hello', async () => {
    fixture.relay.holdUpgrades = true;
    const handle = start();
    handle.send({ early: 1 });
    handle.send({ early: 2 });
    await fixture.relay.waitForUpgradeAttempt(1);
    fixture.relay.releaseUpgrades();
    await handle.connected;
    await fixture.relay.waitForFrame((frame) => frame.envelope?.type === 'message' && (frame.envelope.data as { early: number }).early === 2, 'early 2');
    const types = fixture.relay.frames.map((frame) => [frame.envelope?.type, frame.envelope?.data]);
    expect(types.slice(1)).toEqual([
      ['message', { early: 1 }],
      ['message', { early: 2 }],
    ]);
  });

  it('rejects done and connected with unauthorized when the relay refuses the token, and stops dialing', async () => {
    fixture.relay.refuseStatus = 401;
    const handle = start();
    const error = await handle.done.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(CodeboltError);
    expect((error as CodeboltError).code).toBe('unauthorized');
    expect((error as CodeboltError).message).toContain('CODEBOLT_RUNTIME_TOKEN');
    await expect(handle.connected).rejects.toMatchObject({ code: 'unauthorized' });
    expect(fixture.relay.authorizations).toHaveLength(1);
    expect(logLines.join('\n')).not.toContain(fixture.token);
  });

  it('rejects connected with runtime-exited when closed before connecting', async () => {
    fixture.relay.holdUpgrades = true;
    const handle = start();
    await fixture.relay.waitForUpgradeAttempt(1);
    await handle.close();
    await expect(handle.connected).rejects.toMatchObject({ code: 'runtime-exited' });
    await expect(handle.done).resolves.toBeUndefined();
  });

  it('throws invalid-config for bad options, naming the option and the variable', () => {
    const base = { url: 'ws://127.0.0.1:1/v1/runtime', token: 't', workspace: fixture.workspace, stateDir: fixture.stateDir };
    const attempt = (overrides: object): CodeboltError => {
      try {
        startRuntime({ ...base, ...overrides });
      } catch (error) {
        return error as CodeboltError;
      }
      throw new Error('startRuntime did not throw');
    };
    expect(attempt({ url: 'http://127.0.0.1/v1/runtime' })).toMatchObject({ code: 'invalid-config', message: expect.stringContaining('ws://') });
    expect(attempt({ token: '' })).toMatchObject({ code: 'invalid-config', message: expect.stringContaining('CODEBOLT_RUNTIME_TOKEN') });
    expect(attempt({ workspace: 'relative' })).toMatchObject({ message: expect.stringContaining('workspace must be an absolute path') });
    expect(attempt({ workspace: join(fixture.root, 'missing') })).toMatchObject({ message: expect.stringContaining('not an existing directory') });
    expect(attempt({ stateDir: join(fixture.workspace, 'state') })).toMatchObject({ message: expect.stringContaining('inside the workspace') });
    expect(attempt({ stateDir: fixture.workspace })).toMatchObject({ message: expect.stringContaining('inside the workspace') });
    expect(attempt({ reconnect: { initialDelayMs: 0 } })).toMatchObject({ message: expect.stringContaining('reconnect.initialDelayMs') });
  });
});
