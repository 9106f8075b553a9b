import { spawn } from 'node:child_process';
import type { Environment } from '@codebolt/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN_PATH, createSandbox, type Sandbox } from '../test-support/run-bin.js';
import { environmentRecord, startTestRelay, type TestRelay } from '../test-support/test-relay.js';

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

/** Answers GET /v1/environments/env_1 with `starting` `count` times, then `running`. */
function startingThenRunning(count: number): void {
  let polls = 0;
  relay.route('POST', '/v1/environments/env_1/start', () => ({ status: 202, body: environmentRecord({ state: 'starting' }) }));
  relay.route('GET', '/v1/environments/env_1', () => ({ status: 200, body: environmentRecord({ state: polls++ < count ? 'starting' : 'running' }) as Environment }));
}

/** Runs the real bin inside a pseudo-terminal (util-linux `script`), returning everything the terminal showed. */
function runOnTerminal(args: string[]): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, BIN_PATH, ...args].map((word) => `'${word}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: sandbox.cwd, env: { PATH: process.env.PATH ?? '', HOME: sandbox.home, TERM: 'xterm' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (screen += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, screen }));
  });
}

describe('progress spinner', () => {
  it('spins on a terminal while waiting, showing the state, and erases itself', async () => {
    startingThenRunning(4);
    const { code, screen } = await runOnTerminal(['--server', relay.url, '--token', 'test-token', 'env', 'start', 'env_1']);
    expect(code).toBe(0);
    expect(screen).toMatch(/\r\x1b\[K[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] demo: starting… \d+s/);
    expect(screen).toContain('\r\x1b[K');
    expect(screen.trimEnd().endsWith('demo (env_1): running')).toBe(true);
  });

  it('prints no control characters when stderr is not a terminal', async () => {
    startingThenRunning(2);
    const result = await sandbox.run(['--server', relay.url, '--token', 'test-token', 'env', 'start', 'env_1']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('demo (env_1): running\n');
  });
});
