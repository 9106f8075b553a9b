import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CodeboltError, httpErrorSchema } from '@codebolt/protocol';
import { verifyBackup, writeOfflineBackup } from '@codebolt/relay';
import type { Command } from 'commander';
import { archiveNameFor, archivesToDelete, parseRetention } from '../../backup/retention.js';
import { CliError } from '../../cli-error.js';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';

interface BackupFlags {
  output: string;
  workspaces: boolean;
  retention?: string;
  offline?: boolean;
}

/**
 * `codebolt admin backup --output <file|dir> [--no-workspaces] [--retention daily=7,weekly=4,monthly=6]`:
 * asks the running relay (operator token) for a consistent backup (POST /v1/admin/backup), writes
 * it to `<output>.partial`, verifies every checksum, then renames it into place. A directory
 * output gets `codebolt-backup-<UTC time>.tar.gz`; with --retention (directory output only) older
 * archives of that name in the directory are pruned. `--offline` backs up a stopped relay's data dir
 * directly instead (writeOfflineBackup, under the data dir lock). The master key is never in the archive.
 */
export function registerAdminBackup(admin: Command, run: CliRun): void {
  admin
    .command('backup')
    .description('write a consistent backup of the running relay (records, audit log, provider config, workspaces; never the master key)')
    .requiredOption('--output <path>', 'archive file to write, or a directory to write codebolt-backup-<time>.tar.gz into')
    .option('--no-workspaces', 'leave out the local and worktree workspaces')
    .option('--offline', 'back up the data dir of a stopped relay directly (takes the data dir lock; master key from master.key or CODEBOLT_MASTER_KEY)')
    .option('--retention <rules>', 'with a directory --output: keep daily=N,weekly=N,monthly=N archives there and delete the other codebolt-backup-*.tar.gz')
    .action(async (flags: BackupFlags, command: Command) => {
      const context = CommandContext.of(command, run);
      const policy = flags.retention === undefined ? undefined : parseRetention(flags.retention);
      const output = resolve(context.io.cwd, flags.output);
      const isDirectory = flags.output.endsWith('/') || (await stat(output).then((info) => info.isDirectory(), () => false));
      if (policy && !isDirectory) throw new CliError('bad-request', '--retention needs --output to be a directory', { fix: 'pass --output /backups/ (the archives are named codebolt-backup-<time>.tar.gz there)' });
      if (isDirectory) await mkdir(output, { recursive: true });
      const path = isDirectory ? join(output, archiveNameFor(new Date())) : output;

      const partial = `${path}.partial`;
      let source = 'the relay';
      try {
        if (flags.offline) {
          const dataDir = context.dataDir().path;
          source = dataDir;
          await writeOfflineBackup(dataDir, { workspaces: flags.workspaces }, createWriteStream(partial, { mode: 0o600 }), context.io.env.CODEBOLT_MASTER_KEY);
        } else {
          const response = await requestBackup(context, flags.workspaces);
          source = response.url;
          await pipeline(Readable.fromWeb(response.body as never), createWriteStream(partial, { mode: 0o600 }));
        }
        const manifest = await verifyBackup(partial);
        await rename(partial, path);
        const deleted: string[] = [];
        if (policy) {
          for (const name of archivesToDelete(await readdir(output), policy)) {
            if (name === basename(path)) continue;
            await unlink(join(output, name));
            deleted.push(name);
          }
        }
        const bytes = (await stat(path)).size;
        context.print({ path, bytes, files: manifest.files.length, workspaces: manifest.workspaces, relayVersion: manifest.relayVersion, deleted }, () =>
          [
            `backup written: ${path} (${bytes} bytes, ${manifest.files.length} files${manifest.workspaces ? ', with workspaces' : ', without workspaces'})`,
            ...deleted.map((name) => `retention: deleted ${join(dirname(path), name)}`),
            'keep the master key (master.key or CODEBOLT_MASTER_KEY) separately: the archive does not hold it, and restore needs it',
          ].join('\n'),
        );
      } catch (error) {
        await rm(partial, { force: true });
        if (error instanceof CodeboltError) throw error;
        throw new CliError('relay-unreachable', `the backup from ${source} broke off (${(error as Error).message}); nothing was kept`, { fix: 'check the relay log and retry', cause: error });
      }
    });
}

/** POST /v1/admin/backup on the target relay; resolves with the streaming response, throws its error as a CliError. */
async function requestBackup(context: CommandContext, workspaces: boolean): Promise<Response> {
  const target = await context.target();
  let response: Response;
  try {
    response = await fetch(new URL('/v1/admin/backup', target.server), {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ workspaces }),
    });
  } catch (error) {
    throw new CliError('relay-unreachable', `cannot reach the relay at ${target.server} (${(error as Error).message})`, {
      fix: 'start it (`codebolt serve`) or pass --server; for a stopped relay use `codebolt admin backup --offline`',
      cause: error,
    });
  }
  if (!response.ok) {
    const parsed = httpErrorSchema.safeParse(await response.json().catch(() => undefined));
    if (parsed.success) throw new CliError(parsed.data.error.code, parsed.data.error.message);
    throw new CliError('internal', `the relay answered ${response.status} to POST /v1/admin/backup`);
  }
  return response;
}
