import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProviderConformance } from '@codebolt/provider/testing';
import { afterAll, describe, it } from 'vitest';
import { startTestSshd } from './test-support/sshd.js';

// The "remote host" is this machine, reached through a private sshd: the backend check below
// looks at the environment dir on disk, not through the provider.
const sshd = await startTestSshd();

if (sshd) {
  afterAll(() => sshd.close());
  const config = {
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    privateKeyPath: sshd.clientKeyPath,
    hostKey: sshd.hostKeyLine,
    workdir: sshd.workdir,
    ...(sshd.nodePath ? { nodePath: sshd.nodePath } : {}),
  };
  runProviderConformance({
    packageDir: fileURLToPath(new URL('..', import.meta.url)),
    config: () => config,
    invalidConfig: { config: { ...config, port: 'twenty-two' }, field: 'port' },
    credentialError: { config: { ...config, privateKeyPath: sshd.otherClientKeyPath } },
    resourceExists: (_resourceId, { installationId, environmentId }) =>
      access(join(sshd.workdir, 'installations', installationId, environmentId)).then(
        () => true,
        () => false,
      ),
  });
} else {
  describe('provider conformance: ssh', () => {
    it.skip('needs sshd (not installed; see the message above)', () => {});
  });
}
