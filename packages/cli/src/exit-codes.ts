import type { ErrorCode } from '@codebolt/protocol';

/**
 * The CLI's exit codes, in one place (README "Exit codes" lists the same):
 *
 * | exit | meaning |
 * |---|---|
 * | 0 | success |
 * | 1 | usage error, bad input, or any other failure (provider error, internal, data dir locked, …) |
 * | 2 | `unauthorized`, `forbidden`: no or wrong credential |
 * | 3 | `not-found`, `environment-not-found`, `file-not-found`, `provider-not-found` |
 * | 4 | `conflict`, `invalid-state`: the request clashes with the current state |
 * | 5 | `relay-unreachable`, `runtime-unavailable`, `provider-unavailable`, `shutting-down`, `timeout`, `backend-unavailable`: try again later |
 *
 * `env exec` exits with the remote command's code instead: 128 + n for a signal n, 127 when the
 * command could not be started, 130 after Ctrl-C, and 6 when output was provably lost (a `gap`),
 * whatever the remote code was.
 */
export const EXIT_CODES = {
  success: 0,
  failure: 1,
  unauthorized: 2,
  notFound: 3,
  conflict: 4,
  unavailable: 5,
  outputLost: 6,
  commandNotFound: 127,
  interrupted: 130,
} as const;

const BY_ERROR_CODE: Partial<Record<ErrorCode, number>> = {
  unauthorized: EXIT_CODES.unauthorized,
  forbidden: EXIT_CODES.unauthorized,
  'not-found': EXIT_CODES.notFound,
  'environment-not-found': EXIT_CODES.notFound,
  'file-not-found': EXIT_CODES.notFound,
  'provider-not-found': EXIT_CODES.notFound,
  conflict: EXIT_CODES.conflict,
  'invalid-state': EXIT_CODES.conflict,
  'relay-unreachable': EXIT_CODES.unavailable,
  'runtime-unavailable': EXIT_CODES.unavailable,
  'provider-unavailable': EXIT_CODES.unavailable,
  'shutting-down': EXIT_CODES.unavailable,
  timeout: EXIT_CODES.unavailable,
  'backend-unavailable': EXIT_CODES.unavailable,
};

/** The exit code for an error code (1 for every code without its own). */
export function exitCodeFor(code: ErrorCode): number {
  return BY_ERROR_CODE[code] ?? EXIT_CODES.failure;
}
