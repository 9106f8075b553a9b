import { resolve } from 'node:path';
import { checkDataDir, verifyBackup } from '@codebolt/relay';
import type { Command } from 'commander';
import { CliError } from '../../cli-error.js';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';

/**
 * `codebolt admin check [--archive <file>]`: verifies the data dir offline and read-only (schema
 * of every record, audit hash chain, secrets readable with the master key, orphaned workspace and
 * provider-state dirs, records without their state) and prints each problem with what to do;
 * exits 1 (`data-corrupt`) when there is any. With --archive it checks a backup archive instead
 * (format, every checksum).
 */
export function registerAdminCheck(admin: Command, run: CliRun): void {
  admin
    .command('check')
    .description('verify the data dir (schema, audit chain, secrets, orphans) or, with --archive, a backup; exits non-zero on any problem')
    .option('--archive <file>', 'check this backup archive instead of the data dir')
    .action(async (flags: { archive?: string }, command: Command) => {
      const context = CommandContext.of(command, run);
      if (flags.archive !== undefined) {
        const path = resolve(context.io.cwd, flags.archive);
        const manifest = await verifyBackup(path);
        context.print({ archive: path, ok: true, createdAt: manifest.createdAt, relayVersion: manifest.relayVersion, formatVersion: manifest.formatVersion, files: manifest.files.length }, () =>
          `${path}: backup of ${manifest.createdAt} (relay ${manifest.relayVersion}, format ${manifest.formatVersion}), ${manifest.files.length} files, every checksum matches`,
        );
        return;
      }
      const dataDir = context.dataDir().path;
      const fromEnv = context.io.env.CODEBOLT_MASTER_KEY;
      const result = await checkDataDir(dataDir, fromEnv ? { masterKeys: [Buffer.from(fromEnv.trim(), 'base64url')] } : {});
      context.print(result, () =>
        result.ok
          ? `${dataDir}: ok (${result.environments} environments, ${result.auditEntries} audit entries; checked ${result.checks.join(', ')})`
          : [`${dataDir}: ${result.problems.length} problem(s)`, ...result.problems.map((problem) => `- [${problem.check}] ${problem.problem}\n  fix: ${problem.fix}`)].join('\n'),
      );
      if (!result.ok) throw new CliError('data-corrupt', `${dataDir} has ${result.problems.length} problem(s) (listed above)`, { fix: 'follow the fix under each problem, then run `codebolt admin check` again' });
    });
}
