import { CodeboltError } from '@codebolt/protocol';
import { AuthenticationError, NotFoundError, RateLimitError, SandboxError } from 'e2b';

/** E2B's 429 texts that mean an account limit (concurrent sandboxes, quota), not a request rate. */
const QUOTA = /maximum number of concurrent|concurrent (e2b )?sandboxes|quota|limit of/i;

/** True for an E2B answer that the sandbox does not exist (HTTP 404). */
export function isNotFound(error: unknown): boolean {
  return error instanceof NotFoundError || (error instanceof SandboxError && error.statusCode === 404);
}

/** True when an SDK call ended by its own request timeout (`requestTimeoutMs`). */
export function isRequestTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/**
 * Turns a failure of an `e2b` SDK call into a `CodeboltError` an operator can act on:
 * 401 → `unauthorized` (set apiKey / E2B_API_KEY), 404 → `resource-gone`, 429 with E2B's
 * concurrency or quota text → `quota-exceeded`, other 429 → `rate-limited`, the request timeout
 * → `timeout`, anything else → `provider-error` with E2B's message. `what` says what was being
 * done ("create a sandbox from template base"). Never includes the API key.
 */
export function e2bError(error: unknown, what: string): CodeboltError {
  if (error instanceof CodeboltError) return error;
  const message = error instanceof Error ? error.message.trim() : String(error);
  if (error instanceof AuthenticationError) {
    return new CodeboltError(
      'unauthorized',
      `E2B refused the API key while trying to ${what} (${message}); set a valid key with --config apiKey=… (codebolt provider configure e2b) or E2B_API_KEY in the relay's environment`,
      { cause: error },
    );
  }
  if (error instanceof RateLimitError) {
    if (QUOTA.test(message)) {
      return new CodeboltError(
        'quota-exceeded',
        `E2B account limit reached while trying to ${what} (${message}); stop or delete environments you do not need (codebolt env list), or raise the limit of your E2B plan`,
        { cause: error },
      );
    }
    return new CodeboltError('rate-limited', `E2B rate-limited the request to ${what} (${message}); retry in a few seconds`, { cause: error });
  }
  if (isNotFound(error)) {
    return new CodeboltError('resource-gone', `E2B has no such sandbox while trying to ${what} (${message}); it was killed or timed out: delete the environment and create it again`, { cause: error });
  }
  if (isRequestTimeout(error)) {
    return new CodeboltError('timeout', `E2B did not answer in time while trying to ${what}; retry, or raise requestTimeoutMs in the provider config`, { cause: error });
  }
  return new CodeboltError('provider-error', `E2B failed to ${what}: ${message}`, { cause: error });
}
