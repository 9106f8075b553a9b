import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';

describe('examples', () => {
  it('embedded-relay runs to completion and exits 0', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'examples/embedded-relay/src/main.js')], { cwd: join(ROOT, 'examples/embedded-relay'), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const [code] = await once(child, 'close');
    clearTimeout(timer);
    expect(code, output).toBe(0);
    expect(output).toContain('hello from the example');
    expect(output).toContain('added greeting.txt');
    expect(output).toContain('deleted; example done');
  });
});
