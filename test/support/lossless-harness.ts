import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Relay, type RelayOptions, startRelay } from '@codebolt/relay';
import { type MessageHandler, type RuntimeHandle, type RuntimeOptions, startRuntime } from '@codebolt/runtime';
import { type CodeboltClient, createClient } from '@codebolt/sdk';
import { FaultProxy } from './fault-proxy.js';

const HANDOFF_PROVIDER = join(dirname(fileURLToPath(import.meta.url)), 'handoff-provider');

/**
 * An in-process relay whose apps and runtime both reach it through a {@link FaultProxy}, with one
 * environment of the test-only `handoff` provider whose runtime runs embedded in this process
 * (so a test can give it an `onMessage` handler). `dispose()` closes everything it made and
 * removes its temp dir; it throws when something could not be cleaned up.
 */
export interface LosslessHarness {
  root: string;
  relay: Relay;
  appProxy: FaultProxy;
  runtimeProxy: FaultProxy;
  /** Talks to the relay through `appProxy`. */
  client: CodeboltClient;
  /** The relay's admin token. */
  token: string;
  environmentId: string;
  runtime: RuntimeHandle;
  /** Closes the relay gracefully (SIGTERM path) and starts it again on the same port and data dir; `relay` is the new one. */
  restartRelay(): Promise<void>;
  dispose(): Promise<void>;
}

async function waitForFile(path: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeoutMs} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export async function startLosslessHarness(options: { onMessage: MessageHandler; relay?: Partial<RelayOptions>; runtime?: Pick<RuntimeOptions, 'pingIntervalMs' | 'logger'> }): Promise<LosslessHarness> {
  const root = await mkdtemp(join(tmpdir(), 'codebolt-lossless-'));
  const cleanups: Array<() => Promise<unknown>> = [async () => rm(root, { recursive: true, force: true })];
  const dispose = async () => {
    const failures: unknown[] = [];
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => failures.push(error));
    if (failures.length > 0) throw new AggregateError(failures, 'lossless harness cleanup failed');
  };
  try {
    const runtimeProxy = await FaultProxy.start({ host: '127.0.0.1', port: 1 });
    cleanups.push(() => runtimeProxy.close());
    const relayOptions: RelayOptions = {
      port: 0,
      dataDir: join(root, 'data'),
      providerPackages: [HANDOFF_PROVIDER],
      logLevel: 'error',
      publicUrl: `ws://127.0.0.1:${runtimeProxy.port}`,
      ...options.relay,
    };
    const relay = await startRelay(relayOptions);
    const current = { relay };
    cleanups.push(() => current.relay.close());
    runtimeProxy.target = { host: '127.0.0.1', port: relay.port };
    const appProxy = await FaultProxy.start({ host: '127.0.0.1', port: relay.port });
    cleanups.push(() => appProxy.close());
    const token = (await readFile(relay.adminTokenPath, 'utf8')).trim();
    const client = createClient({ url: `http://127.0.0.1:${appProxy.port}`, token });
    const created = await client.environments.create({ name: 'lossless', provider: 'handoff' });
    const connect = JSON.parse(await waitForFile(join(root, 'data', 'handoff', `${created.id}.json`), 60_000)) as { url: string; token: string };
    await mkdir(join(root, 'workspace'));
    const runtime = startRuntime({
      url: connect.url,
      token: connect.token,
      workspace: join(root, 'workspace'),
      stateDir: join(root, 'runtime-state'),
      onMessage: options.onMessage,
      logger: () => undefined,
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
      ...options.runtime,
    });
    cleanups.push(() => runtime.close());
    await client.environments.waitFor(created.id, ['running'], { timeoutMs: 60_000 });
    cleanups.push(async () => {
      await client.environments.delete(created.id);
      await client.environments.waitForDeleted(created.id, { timeoutMs: 60_000 });
    });
    const harness: LosslessHarness = {
      root,
      relay,
      appProxy,
      runtimeProxy,
      client,
      token,
      environmentId: created.id,
      runtime,
      async restartRelay() {
        await current.relay.close();
        current.relay = await startRelay({ ...relayOptions, port: current.relay.port });
        harness.relay = current.relay;
      },
      dispose,
    };
    return harness;
  } catch (error) {
    await dispose().catch(() => undefined);
    throw error;
  }
}
