/**
 * The closed set of error codes used on every channel (HTTP bodies, WebSocket envelopes, CLI).
 * Each code has the HTTP status that fits and a one-line meaning; docs/errors.md lists them all
 * (a test keeps the two in step). Add a code here and in docs/errors.md, never anywhere else.
 */
export const ERROR_CODES = {
  'bad-request': { status: 400, meaning: 'The request or frame is malformed: invalid JSON, wrong shape, or a field out of range.' },
  'invalid-config': { status: 400, meaning: "An environment or provider config field is missing or invalid for the provider's schema." },
  'provider-not-found': { status: 400, meaning: 'No installed provider has that name.' },
  unauthorized: { status: 401, meaning: 'No credential, or the credential is invalid, expired or revoked.' },
  forbidden: { status: 403, meaning: 'The credential is valid but does not allow this action.' },
  'not-found': { status: 404, meaning: 'The route or object does not exist.' },
  'environment-not-found': { status: 404, meaning: 'No environment has that id.' },
  'file-not-found': { status: 404, meaning: 'The path does not exist inside the workspace.' },
  conflict: { status: 409, meaning: 'The request conflicts with existing state: a duplicate name, or a reused idempotency key with other parameters.' },
  'invalid-state': { status: 409, meaning: 'The environment is not in a state that allows this verb (for example exec on a stopped environment).' },
  'payload-too-large': { status: 413, meaning: 'A body or frame is over the size limit of its endpoint.' },
  'quota-exceeded': { status: 429, meaning: "The tenant is at one of its quotas (environments, running environments, app connections)." },
  'rate-limited': { status: 429, meaning: 'Too many failed authentications or connections from this address; wait and retry.' },
  'path-outside-workspace': { status: 403, meaning: 'A file path escapes the workspace, by .. or by a symlink.' },
  'command-not-found': { status: 404, meaning: 'exec named a program that does not exist or cannot be executed.' },
  'relay-unreachable': { status: 503, meaning: 'The relay cannot be reached (connection refused, DNS or TLS failure), or the connection to it was lost.' },
  'runtime-unavailable': { status: 503, meaning: 'The environment has no connected runtime right now.' },
  'provider-unavailable': { status: 503, meaning: 'The provider process could not be started, did not register in time, or exited.' },
  'provider-crash-loop': { status: 503, meaning: "The environment's provider process crashed more than its restart limit allows (5 times in 60 s by default); the relay stopped restarting it. lastError carries its last output." },
  'provider-error': { status: 502, meaning: 'The provider reported a failure while acting on its backend.' },
  'backend-quota-exceeded': { status: 429, meaning: "The provider's backend account is at one of its own limits (a cloud quota on tasks, vCPUs or sandboxes); free capacity or raise the quota." },
  'backend-unavailable': { status: 503, meaning: "The provider's backend failed or throttled the call transiently (a 5xx, rate limit or timeout of the vendor's API); retry later." },
  'resource-gone': { status: 410, meaning: "The environment's resource no longer exists in the provider's backend." },
  'runtime-exited': { status: 502, meaning: 'The runtime process inside the resource exited or was killed.' },
  timeout: { status: 504, meaning: 'An operation did not finish within its time limit.' },
  unsupported: { status: 501, meaning: 'The provider or runtime does not implement this operation.' },
  'data-dir-locked': { status: 500, meaning: 'Another relay process holds the lock on this data dir.' },
  'data-corrupt': { status: 500, meaning: 'A state file in the data dir cannot be read; it was left untouched.' },
  'outcome-unknown': { status: 410, meaning: 'A request was already received once, but its answer is no longer kept (the runtime remembers answers of its last requests only); check the state it would have changed before retrying with a new id.' },
  'data-version-unsupported': { status: 500, meaning: 'A state file or backup was written by a newer relay (its schema or format version is higher than this relay understands); it was left untouched.' },
  'storage-failed': { status: 503, meaning: 'The relay could not write its state to disk (disk full, I/O error, read-only); the change was not made and the relay keeps serving.' },
  'backup-invalid': { status: 400, meaning: 'A backup archive is corrupt or incomplete (a checksum does not match, a file is missing or unexpected) or is not a Codebolt backup.' },
  'cursor-expired': { status: 410, meaning: 'A resume cursor is older than the frames the relay still retains; the error message names the oldest available seq.' },
  'shutting-down': { status: 503, meaning: 'The relay is shutting down; reconnect shortly.' },
  internal: { status: 500, meaning: 'An unexpected failure inside the relay; the log has details.' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

export function httpStatusFor(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}
