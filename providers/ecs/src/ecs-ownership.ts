import { createHash } from 'node:crypto';

/** Tag keys every task the provider runs carries (ECS tag keys: ≤ 128 chars, no `aws:` prefix). */
export const TAGS = {
  installation: 'codebolt:installation',
  environment: 'codebolt:environment',
  creationToken: 'codebolt:creation-token',
} as const;

/** `StopTask` reasons (≤ 255 chars); they come back as the task's `stoppedReason`, which is how attach tells our stop from our delete from anything else. */
export const STOP_REASONS = {
  stop: 'codebolt: environment stopped',
  destroy: 'codebolt: environment deleted',
  superseded: 'codebolt: superseded by a retried create or start',
} as const;

/**
 * The task's `startedBy` (ECS: ≤ 36 letters, digits, `-`, `/`, `_`): `codebolt-` and the first
 * 27 hex digits of sha256(installation id). ListTasks filters on it, so `list` asks ECS only for
 * this installation's tasks; the installation tag is checked as well.
 */
export function startedByFor(installationId: string): string {
  return `codebolt-${sha256(`codebolt-installation:${installationId}`).slice(0, 27)}`;
}

/**
 * RunTask's `clientToken` (ECS: ≤ 64 characters): sha256, in hex, of the installation id, the
 * environment id, the creation token and `parts`. A create retried with the same creation token
 * (by the SDK after a timeout, or by the relay after a crash) sends the same token, so ECS
 * returns the task the first attempt started instead of starting a second one. `parts` tell
 * apart the RunTasks of one environment that must not collapse into one (a start after a stop).
 */
export function clientTokenFor(installationId: string, environmentId: string, creationToken: string, ...parts: string[]): string {
  return sha256(['codebolt-run-task', installationId, environmentId, creationToken, ...parts].join(':'));
}

/** sha256 in hex: a stand-in for a secret where only equality matters. */
export function digest(text: string): string {
  return sha256(text);
}

/**
 * A tag value ECS accepts (≤ 256 of letters, digits, spaces and `_ . : / = + - @`): the value
 * itself when it fits, otherwise `sha256:` and its hash.
 */
export function tagValue(value: string): string {
  return /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u.test(value) ? value : `sha256:${sha256(value)}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
