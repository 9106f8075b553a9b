import { constants } from 'node:os';
import type { Environment, ProcessExit } from '@codebolt/sdk';
import type { Command } from 'commander';
import { CliError } from '../../cli-error.js';
import type { CliRun } from '../../cli-run.js';
import { CommandContext } from '../../command-context.js';
import { EXIT_CODES } from '../../exit-codes.js';

/** After Ctrl-C, how long to wait for the remote process to exit before closing anyway. */
const INTERRUPT_GRACE_MS = 5_000;

/**
 * `codebolt env exec <id> -- <cmd...>`: runs the command in the environment's workspace,
 * streams its output bytes to stdout/stderr as they arrive and exits with its exit code
 * (128 + n for signal n; 127 when it could not start). Ctrl-C sends SIGINT to the remote
 * process; a second Ctrl-C (or 5 s without an exit) leaves at once with 130. Relay restarts and
 * dropped connections are ridden out by the channel's resume (no output lost or repeated); when
 * output was provably lost (a `gap` event) it says so on stderr and exits 6 whatever the remote
 * code was.
 */
export function registerEnvExec(env: Command, run: CliRun): void {
  env
    .command('exec')
    .description('run a command in an environment and exit with its exit code')
    .argument('<id>', 'environment id or name')
    .argument('<command...>', 'the command and its arguments, after --')
    .usage('<id> -- <command...>')
    .action(async (idOrName: string, commandLine: string[], _options: unknown, command: Command) => {
      const context = CommandContext.of(command, run);
      const [program, ...args] = commandLine;
      if (!program) throw new CliError('bad-request', 'no command given', { fix: 'write it after --, e.g. codebolt env exec demo -- ls -la' });
      const client = await context.client();
      const environment = await client.environments.get(idOrName);
      assertCanExec(environment);
      const channel = await client.connect(environment.id);
      const collected = { stdout: [] as Uint8Array[], stderr: [] as Uint8Array[] };
      let interrupted = false;
      let graceTimer: NodeJS.Timeout | undefined;
      const onInterrupt = (): void => {
        if (interrupted) {
          void channel.close();
          return;
        }
        interrupted = true;
        handle.kill('SIGINT');
        graceTimer = setTimeout(() => void channel.close(), INTERRUPT_GRACE_MS);
      };
      const gaps: string[] = [];
      channel.on('gap', (gap) => {
        gaps.push(gap.message);
        context.io.stderr.write(`codebolt: output was lost (${gap.reason}): ${gap.message}\n`);
      });
      const handle = channel.exec(program, args);
      process.on('SIGINT', onInterrupt);
      let exit: ProcessExit;
      try {
        for await (const chunk of handle.output) {
          if (context.json) collected[chunk.stream].push(chunk.data);
          else context.io[chunk.stream].write(chunk.data);
        }
        exit = await handle.exit;
      } catch (error) {
        if (!interrupted) throw error;
        exit = { code: null, signal: 'SIGINT' };
      } finally {
        process.off('SIGINT', onInterrupt);
        clearTimeout(graceTimer);
        await channel.close();
      }
      const exitCode = gaps.length > 0 ? EXIT_CODES.outputLost : exitCodeOf(exit);
      const startError = exit.error ? `error ${exit.error.code}: ${exit.error.message}\n` : '';
      if (context.json) {
        const decode = (chunks: Uint8Array[]): string => new TextDecoder().decode(Buffer.concat(chunks));
        context.print({ exitCode, stdout: decode(collected.stdout), stderr: decode(collected.stderr) + startError, ...(gaps.length > 0 ? { gaps } : {}) }, () => '');
      } else if (startError) {
        context.io.stderr.write(startError);
      }
      context.setExitCode(exitCode);
    });
}

function assertCanExec(environment: Environment): void {
  const label = `${environment.name} (${environment.id})`;
  if (environment.state === 'stopped' || environment.state === 'stopping') {
    throw new CliError('invalid-state', `environment ${label} is ${environment.state}`, { fix: `start it with \`codebolt env start ${environment.name}\`` });
  }
  if (environment.state === 'deleting') throw new CliError('invalid-state', `environment ${label} is being deleted`, { fix: 'create a new one with `codebolt env create`' });
  if (environment.state === 'error') {
    const cause = environment.lastError ? `: ${environment.lastError.code}: ${environment.lastError.message}` : '';
    throw new CliError('invalid-state', `environment ${label} is in state error${cause}`, { fix: `see \`codebolt env logs ${environment.name}\`, then \`codebolt env start ${environment.name}\`` });
  }
}

/** The local exit code for a remote exit: its code, 128 + n for signal n, 127 when it never started. */
export function exitCodeOf(exit: ProcessExit): number {
  if (exit.error) return exit.code ?? EXIT_CODES.commandNotFound;
  if (exit.code !== null) return exit.code;
  if (exit.signal) {
    const number = (constants.signals as Record<string, number | undefined>)[exit.signal];
    return number === undefined ? EXIT_CODES.failure : 128 + number;
  }
  return EXIT_CODES.failure;
}
