/** Metadata keys on every sandbox this provider makes (E2B sandbox metadata: string → string). */
export const METADATA = {
  managed: 'codebolt-managed-by',
  installation: 'codebolt-installation',
  environment: 'codebolt-environment',
  creationToken: 'codebolt-creation-token',
} as const;
