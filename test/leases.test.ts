import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Relay, startRelay } from '@codebolt/relay';
import { type CodeboltClient, type EnvironmentChannel, type Environment, createClient } from '@codebolt/sdk';
import { ROOT, adminToken } from './support/cli.js';
import { runtimeProcessesUnder } from './support/processes.js';

let relay: Relay | undefined;
let channel: EnvironmentChannel | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  await channel?.close();
  channel = undefined;
  await relay?.close();
  relay = undefined;
  if (dataDir) {
    const leaked = await runtimeProcessesUnder(dataDir);
    for (const pid of leaked) process.kill(pid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    dataDir = undefined;
    expect(leaked).toEqual([]);
  }
});

describe('leases through the SDK', () => {
  it('the channel emits lease-warning; extendLease keeps the environment from idling out for the asked time; then it stops with the reason', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'codebolt-leases-'));
    relay = await startRelay({ port: 0, dataDir, providerPackages: [join(ROOT, 'providers/local')], logLevel: 'error', leases: { idleTimeoutMs: 3_000, warningLeadMs: 2_000 } });
    const client: CodeboltClient = createClient({ url: relay.url, token: await adminToken(dataDir) });
    const created = await client.environments.create({ name: 'leased', provider: 'local' });
    await client.environments.waitFor(created.id, ['running'], { timeoutMs: 90_000 });
    channel = await client.connect(created.id);

    const warning = await new Promise<{ reason: string; remainingMs: number }>((resolve) => channel!.on('lease-warning', resolve));
    expect(warning.reason).toBe('idle-timeout');
    expect(warning.remainingMs).toBeLessThanOrEqual(2_000);

    const extendedAt = Date.now();
    const stopped = new Promise<number>((resolve) => channel!.on('env-state', (environment: Environment) => environment.state === 'stopped' && resolve(Date.now())));
    const { lease } = await channel.extendLease({ durationMs: 5_000 });
    expect(lease.keptAliveBy).toContain('app-extension');
    expect(Date.parse(lease.idleExpiresAt!)).toBeGreaterThanOrEqual(extendedAt + 5_000);
    expect(lease.expiresAt).toBe(lease.idleExpiresAt);

    expect((await stopped) - extendedAt).toBeGreaterThanOrEqual(4_900);
    const record = await client.environments.get(created.id);
    expect(record.state).toBe('stopped');
    expect(record.stopReason?.reason).toBe('idle-timeout');

    await client.environments.delete(created.id);
    await client.environments.waitForDeleted(created.id, { timeoutMs: 60_000 });
  });
});
