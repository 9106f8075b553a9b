import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeFifo } from './testing/fifo.js';
import { RuntimeFixture } from './testing/runtime-fixture.js';
import { execOutcome } from './testing/test-relay.js';
import { RUNTIME_VERSION } from './version.js';

describe('the codebolt-runtime bin', () => {
  let fixture: RuntimeFixture;

  beforeEach(async () => {
    fixture = await RuntimeFixture.create();
  });

  afterEach(async () => {
    await fixture.cleanup();
  });

  it.each(['CODEBOLT_RUNTIME_URL', 'CODEBOLT_RUNTIME_TOKEN', 'CODEBOLT_WORKSPACE', 'CODEBOLT_RUNTIME_STATE_DIR'])(
    'exits 2 with one line naming %s when it is missing',
    async (variable) => {
      const runtime = fixture.startRuntime({ [variable]: undefined });
      expect(await runtime.waitForExit()).toEqual({ code: 2, signal: null });
      expect(runtime.stderr).toMatch(new RegExp(`^codebolt-runtime: ${variable} is not set; set it to .+\\n$`));
    },
  );

  it('exits 2 on invalid configuration: a relative workspace, or a state dir inside the workspace', async () => {
    const relative = fixture.startRuntime({ CODEBOLT_WORKSPACE: 'relative/dir' });
    expect((await relative.waitForExit()).code).toBe(2);
    expect(relative.stderr).toContain('workspace must be an absolute path');
    const nested = fixture.startRuntime({ CODEBOLT_RUNTIME_STATE_DIR: join(fixture.workspace, '.state') });
    expect((await nested.waitForExit()).code).toBe(2);
    expect(nested.stderr).toContain('is inside the workspace');
  });

  it('never lets exec`d programs see the runtime token or any CODEBOLT_RUNTIME_* variable', async () => {
    await fixture.startConnectedRuntime();
    fixture.relay.request('exec', 's1:env', { command: 'env' });
    const outcome = await execOutcome(fixture.relay, 's1:env');
    expect(outcome.exit.code).toBe(0);
    expect(outcome.stdout).toContain('PATH=');
    expect(outcome.stdout).not.toContain(fixture.token);
    expect(outcome.stdout).not.toContain('CODEBOLT_RUNTIME_');
    expect(outcome.stdout).toContain(`CODEBOLT_WORKSPACE=${fixture.workspace}`);
  });

  it('stops on SIGTERM with exit 0, and the processes it started are gone', async () => {
    const runtime = await fixture.startConnectedRuntime();
    const held = makeFifo(join(fixture.outside, 'held'));
    fixture.relay.request('exec', 's1:tree', {
      command: 'sh',
      args: ['-c', `exec 3> '${held}'; sleep 600 >&3 & sh -c 'sleep 600' >&3 & echo started; wait`],
    });
    // The reader gets end of file only when every holder of the write end (three processes) is gone.
    const holdersGone = readFile(held, 'utf8');
    await fixture.relay.waitForFrame((frame) => frame.envelope?.type === 'process-output' && frame.envelope.re === 's1:tree', 'started');

    runtime.child.kill('SIGTERM');
    expect(await runtime.waitForExit()).toEqual({ code: 0, signal: null });
    expect(await holdersGone).toBe('');
    expect(runtime.stderr).toContain('received SIGTERM; stopping');
    // The exit of the killed exec still reached the relay before the socket closed.
    const outcome = await execOutcome(fixture.relay, 's1:tree');
    expect(outcome.exit.signal).toBe('SIGTERM');
  });

  it('answers a message with an id with unsupported and logs one without an id', async () => {
    const runtime = await fixture.startConnectedRuntime();
    const answer = await fixture.relay.call('message', 's1:m1', { kind: 'ping' });
    expect(answer.error).toEqual({ code: 'unsupported', message: 'this runtime has no message handler; embed @codebolt/runtime and pass onMessage' });
    fixture.relay.request('message', undefined, { kind: 'event' });
    await runtime.waitForStderr(/ignored a message without an id/);
  });

  it('reports the package version', async () => {
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(RUNTIME_VERSION).toBe(manifest.version);
  });
});
