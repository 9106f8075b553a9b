import { CodeboltError, type ErrorCode, httpErrorSchema } from '@codebolt/protocol';

/** What to tell a user who has no relay running: the command that starts one. */
export const START_RELAY_HINT = 'start one with `pnpm codebolt serve` (or point the client at a running relay)';

/**
 * The error for a relay that cannot be reached at all (connection refused, DNS failure, TLS
 * failure): code `relay-unreachable`, naming the URL and how to start a relay. The cause keeps
 * the original network error.
 */
export function unreachableRelayError(url: string, cause: unknown): CodeboltError {
  const detail = networkErrorDetail(cause);
  return new CodeboltError('relay-unreachable', `cannot reach the Codebolt relay at ${url}${detail ? ` (${detail})` : ''}; ${START_RELAY_HINT}`, {
    cause,
  });
}

/**
 * Turns a non-2xx HTTP answer into a CodeboltError: the relay's `{ error: { code, message } }`
 * body when there is one, else a code that fits the status and a message naming the URL.
 */
export function errorFromResponse(status: number, body: unknown, url: string): CodeboltError {
  const parsed = httpErrorSchema.safeParse(body);
  if (parsed.success) return new CodeboltError(parsed.data.error.code, parsed.data.error.message);
  return new CodeboltError(codeForStatus(status), `the relay at ${url} answered HTTP ${status} without an error body; is that URL a Codebolt relay?`);
}

function codeForStatus(status: number): ErrorCode {
  if (status === 400) return 'bad-request';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 413) return 'payload-too-large';
  if (status === 501) return 'unsupported';
  if (status === 503) return 'runtime-unavailable';
  if (status === 504) return 'timeout';
  return 'internal';
}

function networkErrorDetail(error: unknown): string {
  // Node's fetch wraps the socket error: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED', … } }).
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const inner = cause instanceof Error ? cause : error instanceof Error ? error : undefined;
  if (!inner) return '';
  const code = (inner as { code?: unknown }).code;
  return typeof code === 'string' ? code : inner.message;
}
