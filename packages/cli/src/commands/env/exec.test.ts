import type { Environment } from '@codebolt/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../test-support/run-bin.js';
import { environmentRecord, type ReceivedFrame, type RecordedConnection, sendFrame, startTestRelay, type TestRelay } from '../../test-support/test-relay.js';
import { exitCodeOf } from './exec.js';

let sandbox: Sandbox;
let relay: TestRelay;

beforeEach(async () => {
  sandbox = await createSandbox();
  relay = await startTestRelay();
});

afterEach(async () => {
  await relay.close();
  await sandbox.cleanup();
});

const codebolt = (...args: string[]) => sandbox.run(['--server', relay.url, '--token', 'test-token', ...args]);
const base64 = (text: string) => Buffer.from(text).toString('base64');

/** Serves env_1 (also under its name) and runs `script` for every exec request on /v1/connect. */
function serveRuntime(script: (exec: ReceivedFrame, connection: RecordedConnection) => void | Promise<void>, environment: Environment = environmentRecord()): ReceivedFrame[] {
  const execs: ReceivedFrame[] = [];
  for (const key of ['env_1', 'demo']) relay.route('GET', `/v1/environments/${key}`, () => ({ status: 200, body: environment }));
  relay.onConnect((connection) => {
    sendFrame(connection.socket, { type: 'env-state', data: { environment } });
    void (async () => {
      for (;;) {
        const frame = await connection.frames.next().catch(() => undefined);
        if (!frame) return;
        if (frame.type === 'exec') {
          execs.push(frame);
          await script(frame, connection);
        }
      }
    })();
  });
  return execs;
}

describe('env exec', () => {
  it('runs the words after -- , streams stdout and stderr, and exits with the remote code', async () => {
    const execs = serveRuntime((exec, { socket }) => {
      sendFrame(socket, { type: 'process-output', re: exec.id, data: { stream: 'stdout', chunk: base64('hello\n') } });
      sendFrame(socket, { type: 'process-output', re: exec.id, data: { stream: 'stderr', chunk: base64('oops\n') } });
      sendFrame(socket, { type: 'process-output', re: exec.id, data: { stream: 'stdout', chunk: base64('world\n') } });
      sendFrame(socket, { type: 'process-exit', re: exec.id, data: { code: 3, signal: null } });
    });
    const result = await codebolt('env', 'exec', 'demo', '--', 'ls', '-la', '--json', 'dir');
    expect(result.stdout).toBe('hello\nworld\n');
    expect(result.stderr).toBe('oops\n');
    expect(result.code).toBe(3);
    expect(execs[0]?.data).toEqual({ command: 'ls', args: ['-la', '--json', 'dir'] });
    expect(relay.connections[0]?.url.searchParams.get('env')).toBe('env_1');
  });

  it('--json collects the output into one document', async () => {
    serveRuntime((exec, { socket }) => {
      sendFrame(socket, { type: 'process-output', re: exec.id, data: { stream: 'stdout', chunk: base64('out ✓\n') } });
      sendFrame(socket, { type: 'process-output', re: exec.id, data: { stream: 'stderr', chunk: base64('err\n') } });
      sendFrame(socket, { type: 'process-exit', re: exec.id, data: { code: 0, signal: null } });
    });
    const result = await codebolt('--json', 'env', 'exec', 'env_1', '--', 'echo', 'out');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ exitCode: 0, stdout: 'out ✓\n', stderr: 'err\n' });
  });

  it('passes raw bytes through unchanged', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255, 10]);
    serveRuntime((exec, { socket }) => {
      sendFrame(socket, { type: 'process-output', re: exec.id, data: { stream: 'stdout', chunk: bytes.toString('base64') } });
      sendFrame(socket, { type: 'process-exit', re: exec.id, data: { code: 0, signal: null } });
    });
    const child = sandbox.start(['--server', relay.url, '--token', 'test-token', 'env', 'exec', 'env_1', '--', 'cat', 'x.bin']);
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(code).toBe(0);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
  });

  it('a remote process killed by a signal exits 128 + its number', async () => {
    serveRuntime((exec, { socket }) => sendFrame(socket, { type: 'process-exit', re: exec.id, data: { code: null, signal: 'SIGTERM' } }));
    expect((await codebolt('env', 'exec', 'env_1', '--', 'sleep', '100')).code).toBe(143);
  });

  it('a command that cannot start prints its message and exits 127', async () => {
    serveRuntime((exec, { socket }) =>
      sendFrame(socket, { type: 'process-exit', re: exec.id, data: { code: 127, signal: null, error: { code: 'command-not-found', message: "'nope' was not found in PATH" } } }),
    );
    const result = await codebolt('env', 'exec', 'env_1', '--', 'nope');
    expect(result.code).toBe(127);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe("error command-not-found: 'nope' was not found in PATH\n");
  });

  it('output provably lost (a gap) is said on stderr and exits 6 whatever the remote code was', async () => {
    serveRuntime((exec, { socket }) => {
      sendFrame(socket, { type: 'process-output', re: exec.id, seq: 1, data: { stream: 'stdout', chunk: base64('before\n') } });
      sendFrame(socket, { type: 'gap', seq: 2, data: { reason: 'epoch-changed', message: 'the relay lost its frames' } });
      sendFrame(socket, { type: 'process-output', re: exec.id, seq: 3, data: { stream: 'stdout', chunk: base64('after\n') } });
      sendFrame(socket, { type: 'process-exit', re: exec.id, seq: 4, data: { code: 0, signal: null } });
    });
    const result = await codebolt('env', 'exec', 'env_1', '--', 'true');
    expect(result.stdout).toBe('before\nafter\n');
    expect(result.stderr).toContain('codebolt: output was lost (epoch-changed): the relay lost its frames');
    expect(result.code).toBe(6);
  });

  it('Ctrl-C sends process-kill SIGINT and exits with the outcome', async () => {
    let killed!: (frame: ReceivedFrame) => void;
    const killFrame = new Promise<ReceivedFrame>((resolve) => (killed = resolve));
    serveRuntime(async (exec, connection) => {
      sendFrame(connection.socket, { type: 'process-output', re: exec.id, data: { stream: 'stdout', chunk: base64('ready\n') } });
      const kill = await connection.frames.next();
      killed(kill);
      sendFrame(connection.socket, { type: 'process-exit', re: exec.id, data: { code: null, signal: 'SIGINT' } });
    });
    const child = sandbox.start(['--server', relay.url, '--token', 'test-token', 'env', 'exec', 'env_1', '--', 'sleep', '100']);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout?.on('data', () => resolve()));
    child.kill('SIGINT');
    const kill = await killFrame;
    expect(kill.type).toBe('process-kill');
    expect(kill.data).toEqual({ process: expect.any(String), signal: 'SIGINT' });
    expect(await exited).toBe(130);
  });

  it('refuses a stopped environment with invalid-state and how to start it', async () => {
    serveRuntime(() => undefined, environmentRecord({ state: 'stopped' }));
    const result = await codebolt('env', 'exec', 'demo', '--', 'ls');
    expect(result.code).toBe(4);
    expect(result.stderr).toBe('error invalid-state: environment demo (env_1) is stopped\nfix: start it with `codebolt env start demo`\n');
    expect(relay.connections).toHaveLength(0);
  });

  it('an error answer from the relay is reported with its code', async () => {
    serveRuntime((exec, { socket }) => sendFrame(socket, { type: 'exec', re: exec.id, error: { code: 'forbidden', message: 'WS exec needs role member or higher; this token has role viewer' } }));
    const result = await codebolt('env', 'exec', 'env_1', '--', 'ls');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error forbidden: WS exec needs role member or higher');
  });
});

describe('exitCodeOf', () => {
  it('maps codes, signals and start failures', () => {
    expect(exitCodeOf({ code: 0, signal: null })).toBe(0);
    expect(exitCodeOf({ code: 42, signal: null })).toBe(42);
    expect(exitCodeOf({ code: null, signal: 'SIGKILL' })).toBe(137);
    expect(exitCodeOf({ code: null, signal: 'SIGINT' })).toBe(130);
    expect(exitCodeOf({ code: null, signal: null, error: { code: 'command-not-found', message: 'x' } })).toBe(127);
    expect(exitCodeOf({ code: null, signal: 'SIGNOPE' })).toBe(1);
  });
});
