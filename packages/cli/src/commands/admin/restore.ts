import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { restoreBackup } from '@codebolt/relay';
import type { Command } from 'commander';
import { CliError } from '../../cli-error.js';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';

/**
 * `codebolt admin restore <archive> [--master-key-file <path>]`: checks the archive (checksums,
 * format version) and restores it into the data dir (--data-dir / CODEBOLT_HOME), which must be
 * empty or not exist. Needs the master key the backup was made under: from --master-key-file
 * (copied to <data dir>/master.key) or CODEBOLT_MASTER_KEY. Offline: no relay may run on it.
 */
export function registerAdminRestore(admin: Command, run: CliRun): void {
  admin
    .command('restore <archive>')
    .description('restore a backup into an empty or new data dir (offline); the next start reattaches live environments')
    .option('--master-key-file <path>', 'the master.key in use when the backup was made (copied into the data dir); else CODEBOLT_MASTER_KEY')
    .action(async (archive: string, flags: { masterKeyFile?: string }, command: Command) => {
      const context = CommandContext.of(command, run);
      const dataDir = context.dataDir().path;
      let text: string;
      if (flags.masterKeyFile !== undefined) text = await readFile(resolve(context.io.cwd, flags.masterKeyFile), 'utf8');
      else if (context.io.env.CODEBOLT_MASTER_KEY !== undefined) text = context.io.env.CODEBOLT_MASTER_KEY;
      else {
        throw new CliError('invalid-config', 'restore needs the master key the backup was made under (backups never contain it)', {
          fix: 'pass --master-key-file /secure/place/master.key, or set CODEBOLT_MASTER_KEY',
        });
      }
      const masterKeys = text
        .trim()
        .split('\n')
        .map((line) => Buffer.from(line.trim(), 'base64url'));
      if (masterKeys.some((key) => key.length !== 32)) throw new CliError('invalid-config', 'the master key is not 32 bytes of base64url per line', { fix: 'pass the master.key file itself' });
      const manifest = await restoreBackup({ archive: resolve(context.io.cwd, archive), dataDir, masterKeys, writeMasterKeyFile: flags.masterKeyFile !== undefined });
      context.print({ dataDir, createdAt: manifest.createdAt, relayVersion: manifest.relayVersion, installationId: manifest.installationId, files: manifest.files.length, workspaces: manifest.workspaces }, () =>
        [
          `restored ${manifest.files.length} files from a backup of ${manifest.createdAt} (relay ${manifest.relayVersion}) into ${dataDir}`,
          `start the relay on it (\`codebolt serve --data-dir ${dataDir}\`): it reattaches the environments whose resources still run`,
        ].join('\n'),
      );
    });
}
