import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelay } from '../relay.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('non-loopback bind', () => {
  it('is refused without an identity provider or --allow-remote, with a message naming both', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'codebolt-bind-'));
    dirs.push(dataDir);
    const refused = startRelay({ host: '0.0.0.0', port: 0, dataDir, logLevel: 'error' });
    await expect(refused).rejects.toMatchObject({ code: 'invalid-config', message: expect.stringContaining('--jwks-url') });
    await expect(refused).rejects.toMatchObject({ message: expect.stringContaining('--allow-remote') });
  });

  it('is allowed once JWKS verification is configured', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'codebolt-bind-'));
    dirs.push(dataDir);
    const relay = await startRelay({ host: '0.0.0.0', port: 0, dataDir, logLevel: 'error', jwks: { url: 'https://idp.invalid/jwks.json', issuer: 'https://idp.invalid/', audience: 'relay' } });
    try {
      expect((await fetch(`http://127.0.0.1:${relay.port}/health`)).status).toBe(200);
    } finally {
      await relay.close();
    }
  });
});
