import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RelayProcess, cliEnvironment, startRelayProcess } from './cli.js';

/** A test's relay process with its own temp data dir; dispose() stops it and removes everything. */
export interface RelaySession {
  root: string;
  dataDir: string;
  relay: RelayProcess;
  env: NodeJS.ProcessEnv;
  restart(signal?: NodeJS.Signals): Promise<void>;
  dispose(): Promise<void>;
}

export async function startRelaySession(): Promise<RelaySession> {
  const root = await mkdtemp(join(tmpdir(), 'codebolt-e2e-'));
  const dataDir = join(root, 'data');
  const session: RelaySession = {
    root,
    dataDir,
    relay: await startRelayProcess(dataDir),
    env: cliEnvironment(dataDir),
    async restart(signal = 'SIGTERM') {
      const code = await session.relay.stop(signal);
      if (signal === 'SIGTERM' && code !== 0) throw new Error(`relay exited ${code} on SIGTERM:\n${session.relay.output()}`);
      session.relay = await startRelayProcess(dataDir, session.relay.port);
    },
    async dispose() {
      await session.relay.stop('SIGTERM');
      await rm(root, { recursive: true, force: true });
    },
  };
  return session;
}
