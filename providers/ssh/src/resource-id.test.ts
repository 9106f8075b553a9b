import { describe, expect, it } from 'vitest';
import { formatResourceId, parseResourceId } from './resource-id.js';
import { sshConfigSchema } from './ssh-config.js';

describe('resource ids', () => {
  it('round-trips host, port, user and environment dir (IPv6 too)', () => {
    for (const host of ['10.0.0.5', 'build.example.com', '::1']) {
      const envDir = '/home/alice/.codebolt-relay/installations/inst-1/env-a';
      const id = formatResourceId({ user: 'alice', host, port: 2222, envDir });
      expect(parseResourceId(id, 'inst-1')).toEqual({ user: 'alice', host, port: 2222, envDir, environmentId: 'env-a' });
    }
  });

  it('refuses ids that would point a verb at a directory this installation did not make', () => {
    const refused = [
      'local-env-a',
      'ssh://alice@h:22/home/alice/.codebolt-relay/installations/other/env-a',
      'ssh://alice@h:22/home/alice/../../etc/installations/inst-1/env-a',
      'ssh://alice@h:22/etc',
      'ssh://alice@h/home/x/installations/inst-1/env-a',
      'ssh://h:22/home/x/installations/inst-1/env-a',
      'ssh://alice@h:22/home/x y/installations/inst-1/env-a',
      'ssh://alice@h:22/home/x/installations/inst-1/env-a?x=1',
    ];
    for (const id of refused) expect(() => parseResourceId(id, 'inst-1'), id).toThrow(expect.objectContaining({ code: 'bad-request' }));
  });
});

describe('config schema', () => {
  const base = { host: 'h.example', user: 'alice', hostKey: 'x' };

  it('defaults the port to 22', () => {
    expect(sshConfigSchema.parse(base).port).toBe(22);
  });

  it('refuses remote paths a shell or a traversal could abuse, relative key paths and odd hosts or users', () => {
    for (const workdir of ['relative/dir', '/a/../b', '/a b', '/a;rm -rf ~', '/a/$(id)', "/a'b", '/a/./b']) {
      expect(sshConfigSchema.safeParse({ ...base, workdir }).success, workdir).toBe(false);
    }
    expect(sshConfigSchema.safeParse({ ...base, workdir: '/srv/codebolt' }).success).toBe(true);
    expect(sshConfigSchema.safeParse({ ...base, privateKeyPath: 'id_ed25519' }).success).toBe(false);
    expect(sshConfigSchema.safeParse({ ...base, host: 'h;id' }).success).toBe(false);
    expect(sshConfigSchema.safeParse({ ...base, user: '-oProxyCommand=x' }).success).toBe(false);
    expect(sshConfigSchema.safeParse({ ...base, nodePath: '/usr/bin/node --inspect' }).success).toBe(false);
  });
});

describe('package.json metadata', () => {
  it('declares the same config keys as the schema, with the passphrase and secretEnv marked secret', async () => {
    const { default: packageJson } = await import('../package.json', { with: { type: 'json' } });
    const properties = packageJson.codebolt.provider.configSchema.properties as Record<string, { 'x-secret'?: boolean }>;
    expect(Object.keys(properties).sort()).toEqual(Object.keys(sshConfigSchema.shape).sort());
    expect(Object.keys(properties).filter((key) => properties[key]?.['x-secret'] === true).sort()).toEqual(['passphrase', 'secretEnv']);
    expect(packageJson.codebolt.provider.inheritEnv).toEqual(['SSH_AUTH_SOCK']);
  });
});
