import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../test-support/run-bin.js';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await createSandbox();
});
afterEach(async () => {
  await sandbox.cleanup();
});

/** Sources the script in a real bash and asks it to complete `words` (the last one is being typed). */
function complete(script: string, words: string[]): Promise<string[]> {
  const program = `${script}\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _codebolt_completion; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-c', program], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(stdout.split('\n').filter(Boolean).sort()) : reject(new Error(`bash exited ${code}: ${stderr}`))));
  });
}

describe('codebolt completion', () => {
  it('completes subcommands and flags at every level in bash, past global options', async () => {
    const result = await sandbox.run(['completion', 'bash']);
    expect(result.code).toBe(0);
    const script = result.stdout;
    expect(await complete(script, ['codebolt', ''])).toEqual(expect.arrayContaining(['env', 'serve', 'provider', 'token', 'config', 'completion', '--server', '--json']));
    expect(await complete(script, ['codebolt', 'env', 'st'])).toEqual(['start', 'stop']);
    expect(await complete(script, ['codebolt', '--server', 'http://x', '--json', 'env', 'cr'])).toEqual(['create']);
    expect(await complete(script, ['codebolt', 'env', 'logs', 'demo', '--f'])).toEqual(['--follow']);
    expect(await complete(script, ['codebolt', 'env', 'create', 'demo', '--pro'])).toEqual(['--provider']);
    expect(await complete(script, ['codebolt', 'config', 'set', '--js'])).toEqual(['--json']);
  });

  it('writes a zsh script over bashcompinit, and refuses other shells with a fix', async () => {
    const zsh = await sandbox.run(['completion', 'zsh']);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout.startsWith('autoload -U +X bashcompinit && bashcompinit\n')).toBe(true);
    expect(zsh.stdout).toContain('complete -F _codebolt_completion codebolt');
    const fish = await sandbox.run(['completion', 'fish']);
    expect(fish.code).toBe(1);
    expect(fish.stderr).toBe('error bad-request: no completion for shell "fish"\nfix: use one of: bash, zsh\n');
  });
});
