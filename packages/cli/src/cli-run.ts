import type { CliIo } from './command-context.js';

/** One invocation of the CLI: its I/O and the exit code a command may set (default 0). */
export interface CliRun {
  io: CliIo;
  exitCode: number;
}
