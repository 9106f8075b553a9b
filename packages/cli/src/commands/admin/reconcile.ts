import type { Command } from 'commander';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';

/**
 * `codebolt admin reconcile [--dry-run]`: runs one reconcile pass on the running relay (operator
 * token) and prints what it retried, which resources no record owns (destroyed once past the
 * grace period; only reported with --dry-run) and which records lost their resource.
 */
export function registerAdminReconcile(admin: Command, run: CliRun): void {
  admin
    .command('reconcile')
    .description('run one reconcile pass now: retry stalled environments, find orphaned resources, report lost ones (operator token)')
    .option('--dry-run', 'only report what would be retried and destroyed')
    .action(async (options: { dryRun?: boolean }, command: Command) => {
      const context = CommandContext.of(command, run);
      const report = await (await context.client()).admin.reconcile({ dryRun: options.dryRun === true });
      context.print(report, () => {
        const verb = report.dryRun ? 'would' : 'did';
        const lines = [`reconcile (${report.dryRun ? 'dry run' : 'applied'}):`];
        lines.push(`  retry: ${report.retried.length === 0 ? 'nothing' : report.retried.join(', ')}`);
        for (const orphan of report.orphans) {
          const destroyed = report.reaped.some((reaped) => reaped.resourceId === orphan.resourceId && reaped.provider === orphan.provider);
          const fate = destroyed ? 'destroyed' : orphan.reapable ? `${verb === 'would' ? 'would be destroyed' : 'not destroyed (see failures)'}` : `kept until its grace period ends (orphan since ${orphan.firstSeenAt})`;
          lines.push(`  orphan ${orphan.provider} ${orphan.resourceId}${orphan.environmentId ? ` (was ${orphan.environmentId})` : ''}: ${fate}`);
        }
        if (report.orphans.length === 0) lines.push('  orphans: none');
        lines.push(`  lost: ${report.lost.length === 0 ? 'none' : report.lost.join(', ')}`);
        for (const failure of report.failures) lines.push(`  could not list ${failure.provider}: ${failure.code}: ${failure.message}`);
        return lines.join('\n');
      });
    });
}
