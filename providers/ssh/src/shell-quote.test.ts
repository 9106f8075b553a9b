import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { shellCommand, shellQuote } from './shell-quote.js';

const run = promisify(execFile);
const NASTY = ["plain", "with space", "it's", "''", "$(touch /tmp/pwned)", "`id`", "a;b|c&d", "$HOME", "back\\slash", "new\nline", "*", "-n", "", "ünïcödé"];

describe('shellQuote', () => {
  it('makes every argument reach the program unchanged through a real shell', async () => {
    // printf prints each argument followed by NUL; the shell must neither split nor expand anything.
    const { stdout } = await run('sh', ['-c', `printf '%s\\0' ${NASTY.map(shellQuote).join(' ')}`]);
    expect(stdout.split('\0').slice(0, -1)).toEqual(NASTY);
  });

  it('joins quoted words into one command line', async () => {
    expect(shellCommand(['node', '/a b/c.mjs'])).toBe("'node' '/a b/c.mjs'");
    const { stdout } = await run('sh', ['-c', shellCommand(['printf', '%s|', "it's", '$(id)'])]);
    expect(stdout).toBe("it's|$(id)|");
  });

  it('refuses a NUL byte', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});
