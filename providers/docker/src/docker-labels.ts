/** Labels on every container and volume this provider makes. */
export const LABELS = {
  managed: 'dev.codebolt.managed-by',
  installation: 'dev.codebolt.installation',
  environment: 'dev.codebolt.environment',
  creationToken: 'dev.codebolt.creation-token',
} as const;

/** A Docker object name for the environment: `codebolt-<installation>-<envId>`, only [a-zA-Z0-9_.-], ≤ 128 chars. */
export function objectName(installationId: string, environmentId: string): string {
  return `codebolt-${installationId}-${environmentId}`.replace(/[^a-zA-Z0-9_.-]/g, '_').slice(0, 128);
}
