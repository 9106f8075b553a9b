import type { CliRun } from './cli-run.js';
import { type CliIo, processIo } from './command-context.js';
import { createProgram } from './program.js';
import { reportError } from './report-error.js';

/**
 * Runs one CLI invocation (`argv` as in process.argv: node, script, args…) and resolves with
 * its exit code. Never throws and never exits the process (except `serve` on a second signal).
 */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const run: CliRun = { io, exitCode: 0 };
  try {
    await createProgram(run).parseAsync(argv);
    return run.exitCode;
  } catch (error) {
    return reportError(error, (text) => io.stderr.write(text), run.target);
  }
}
