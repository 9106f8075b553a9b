import { join } from 'node:path';
import { verifyAuditLog } from '@codebolt/relay';
import type { Command } from 'commander';
import { CliError } from '../../cli-error.js';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';

/**
 * `codebolt admin verify-audit [--file <audit.log>]`: checks the hash chain of the data dir's
 * audit log offline (the relay need not run). Prints the result; when an entry was edited,
 * deleted, inserted or reordered it names the first bad line and exits non-zero (`data-corrupt`).
 */
export function registerAdminVerifyAudit(admin: Command, run: CliRun): void {
  admin
    .command('verify-audit')
    .description("check the audit log's hash chain and report the first tampered or missing entry")
    .option('--file <path>', 'audit log to check (default <data dir>/audit.log)')
    .action(async (options: { file?: string }, command: Command) => {
      const context = CommandContext.of(command, run);
      const path = options.file ?? join(context.dataDir().path, 'audit.log');
      const result = await verifyAuditLog(path);
      context.print({ path, ...result }, () =>
        result.ok ? `${path}: ${result.entries} entries, chain intact` : `${path}: ${result.entries} entries verified, then: ${result.firstProblem!.message}`,
      );
      if (!result.ok) {
        throw new CliError('data-corrupt', `audit log ${path} is broken at line ${result.firstProblem!.line}: ${result.firstProblem!.reason}`, {
          fix: 'the log was altered after it was written; keep the file as evidence and compare it with the forwarded copy (--audit-webhook)',
        });
      }
    });
}
