import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../test-support/run-bin.js';
import { startTestRelay, type TestRelay } from '../test-support/test-relay.js';

let sandbox: Sandbox;
let relay: TestRelay;
beforeEach(async () => {
  sandbox = await createSandbox();
  relay = await startTestRelay();
  relay.route('GET', '/v1/environments', () => ({ status: 401, body: { error: { code: 'unauthorized', message: 'token expired' } } }));
});
afterEach(async () => {
  await relay.close();
  await sandbox.cleanup();
});

describe('errors name the relay and where the token came from', () => {
  it('for a token from CODEBOLT_TOKEN, without ever printing it', async () => {
    const result = await sandbox.run(['env', 'list'], { env: { CODEBOLT_SERVER: relay.url, CODEBOLT_TOKEN: 'secret-token-value' } });
    expect(result.code).toBe(2);
    const [first, ...rest] = result.stderr.split('\n');
    expect(first).toMatch(/^error unauthorized: /);
    expect(rest.join('\n')).toBe(
      `relay: ${relay.url} (from CODEBOLT_SERVER); token from CODEBOLT_TOKEN\n` +
        'fix: CODEBOLT_TOKEN holds a token this relay refuses (expired, revoked or for another relay); unset it or set a fresh one\n',
    );
    expect(result.stdout + result.stderr).not.toContain('secret-token-value');
  });

  it('for a saved config, and flags win over the environment and the file', async () => {
    expect((await sandbox.run(['config', 'set', 'server', 'http://127.0.0.1:1'])).code).toBe(0);
    expect((await sandbox.run(['config', 'set', 'token', 'saved-token'])).code).toBe(0);
    const saved = await sandbox.run(['env', 'list'], { env: { CODEBOLT_SERVER: relay.url } });
    expect(saved.code).toBe(2);
    expect(saved.stderr).toContain(`relay: ${relay.url} (from CODEBOLT_SERVER); token from the config file (\`codebolt config set token\`)\n`);
    expect(saved.stderr).toContain('fix: the saved token was refused');
    const flagged = await sandbox.run(['--server', relay.url, '--token', 'flag-token', 'env', 'list'], { env: { CODEBOLT_SERVER: 'http://127.0.0.1:2', CODEBOLT_TOKEN: 'env-token' } });
    expect(flagged.stderr).toContain(`relay: ${relay.url} (from --server); token from --token\n`);
    expect(relay.requests.at(-1)?.headers.authorization).toBe('Bearer flag-token');
  });
});
