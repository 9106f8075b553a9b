import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CodeboltError } from '@codebolt/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHostKey } from './host-key.js';

const run = promisify(execFile);
let dir: string;
let publicKey: string;
let fingerprint: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codebolt-host-key-'));
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'host comment', '-f', join(dir, 'key')]);
  publicKey = (await readFile(join(dir, 'key.pub'), 'utf8')).trim();
  fingerprint = (await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'key.pub')])).stdout.split(/\s+/)[1]!;
});

afterAll(() => rm(dir, { recursive: true, force: true }));

function refusal(line: string): CodeboltError {
  try {
    parseHostKey(line);
  } catch (error) {
    return error as CodeboltError;
  }
  throw new Error(`${line} was accepted`);
}

describe('parseHostKey', () => {
  it('reads a known_hosts line and a bare .pub line, with the fingerprint ssh-keygen prints', () => {
    for (const line of [`[10.0.0.5]:2222 ${publicKey}`, publicKey, `host.example ${publicKey}\n`]) {
      const key = parseHostKey(line);
      expect(key.type).toBe('ssh-ed25519');
      expect(key.fingerprint).toBe(fingerprint);
    }
  });

  it('refuses markers, several lines, unknown types and key data of another type, naming hostKey', () => {
    const [type, data] = publicKey.split(' ') as [string, string];
    const cases = [
      `@cert-authority *.example ${publicKey}`,
      `${publicKey}\n${publicKey}`,
      'host ssh-foo AAAA',
      `host ${type} not*base64`,
      `host ecdsa-sha2-nistp256 ${data}`,
      '',
    ];
    for (const line of cases) {
      const error = refusal(line);
      expect(error).toBeInstanceOf(CodeboltError);
      expect(error.code).toBe('invalid-config');
      expect(error.message).toContain('hostKey');
    }
  });
});
