import type { CliIo } from './command-context.js';
import type { Target } from './target/resolve-target.js';

/** One invocation of the CLI: its I/O and the exit code a command may set (default 0). */
export interface CliRun {
  io: CliIo;
  exitCode: number;
  /** The relay and credential the command used, once resolved (for error messages; never printed: the token). */
  target?: Target;
}
