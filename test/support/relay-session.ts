import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RelayProcess, cliEnvironment, cliJson, runCli, startRelayProcess } from './cli.js';
import { runtimeProcessesUnder } from './processes.js';

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
    /**
     * Deletes every environment through the CLI, stops the relay, and fails if any runtime process
     * of this test is still alive (it is killed first, so nothing leaks even when this throws).
     */
    async dispose() {
      const problems: string[] = [];
      try {
        if (session.relay.child.exitCode === null) {
          const environments = await cliJson<Array<{ id: string }>>(['env', 'list'], session.env);
          for (const environment of environments) {
            const result = await runCli(['env', 'delete', environment.id], session.env);
            if (result.code !== 0) problems.push(`env delete ${environment.id} exited ${result.code}: ${result.stderr}`);
          }
        }
      } finally {
        await session.relay.stop('SIGTERM');
        const leaked = await runtimeProcessesUnder(root);
        for (const pid of leaked) process.kill(pid, 'SIGKILL');
        if (leaked.length > 0) problems.push(`runtime processes left behind: ${leaked.join(', ')}`);
        await rm(root, { recursive: true, force: true });
      }
      if (problems.length > 0) throw new Error(`cleanup failed:\n${problems.join('\n')}`);
    },
  };
  return session;
}
