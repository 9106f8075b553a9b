import { CodeboltError } from '@codebolt/protocol';

/** AWS error names that mean the credential itself is missing, wrong or expired. */
const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'SignatureDoesNotMatch',
  'CredentialsProviderError',
]);

/** AWS error names that are transient: worth retrying later, never a reason to give up on a resource. */
const TRANSIENT_ERRORS = new Set(['ServerException', 'ServiceUnavailable', 'ServiceUnavailableException', 'InternalFailure', 'ThrottlingException', 'Throttling', 'RequestLimitExceeded', 'TooManyRequestsException', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/** A throttling message that is really an account limit (Fargate's concurrent tasks/vCPU quota), not a rate. */
const ACCOUNT_LIMIT = /limit on the number of|reached the limit|quota/i;

/** What the provider was doing, for the message: "run a task in cluster dev". */
export interface EcsCall {
  what: string;
  cluster: string;
  region: string;
  /** Secret strings (the runtime token, secretEnv values) to cut out of any message. */
  secrets?: string[];
}

/**
 * Turns an AWS SDK failure into a `CodeboltError` with a code from the closed set and a message
 * that says what to do:
 * - bad or missing credentials → `unauthorized`; `AccessDeniedException` → `forbidden` (names the IAM actions);
 * - `ClusterNotFoundException`, a missing task definition, `InvalidParameterException`, `PlatformUnknownException`,
 *   `PlatformTaskDefinitionIncompatibilityException` → `invalid-config`;
 * - an account limit (Fargate task/vCPU quota, `LimitExceededException`) → `backend-quota-exceeded`;
 * - `ServerException`, throttling, timeouts, unreachable endpoint → `backend-unavailable` (transient: retry later);
 * - anything else (`ClientException`…) → `provider-error` with AWS's own message.
 * Never carries a secret: values in `call.secrets` are replaced by `[redacted]`.
 */
export function ecsError(error: unknown, call: EcsCall): CodeboltError {
  if (error instanceof CodeboltError) return error;
  const name = errorName(error);
  const awsMessage = redact(error instanceof Error ? error.message : String(error), call.secrets ?? []).trim();
  const where = `ECS (cluster "${call.cluster}", region ${call.region})`;
  const failed = `${where} failed to ${call.what}: ${name}: ${awsMessage}`;
  if (CREDENTIAL_ERRORS.has(name) || /could not load credentials|credential is missing|Resolved credential object is not valid/i.test(awsMessage)) {
    return new CodeboltError(
      'unauthorized',
      `${failed}; the AWS credentials the provider found are missing, wrong or expired. Provide them through the AWS SDK's standard chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), AWS_PROFILE or --config profile=<name> with ~/.aws/credentials, or an instance/task role`,
      { cause: error },
    );
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return new CodeboltError(
      'forbidden',
      `${failed}; give the provider's IAM identity ecs:RunTask, ecs:DescribeTasks, ecs:ListTasks, ecs:StopTask and ecs:TagResource on the cluster, and iam:PassRole for the task definition's roles (policy in docs/providers/ecs.md)`,
      { cause: error },
    );
  }
  if (name === 'ClusterNotFoundException') {
    return new CodeboltError('invalid-config', `invalid config for provider "ecs": cluster: ${failed}; create the cluster or set --config cluster=<name or ARN> (and region=… if it lives elsewhere)`, { cause: error });
  }
  if (name === 'ClientException' && /task ?definition/i.test(awsMessage)) {
    return new CodeboltError('invalid-config', `invalid config for provider "ecs": taskDefinition: ${failed}; register the task definition in region ${call.region} or set --config taskDefinition=<family[:revision] or ARN>`, { cause: error });
  }
  if (name === 'InvalidParameterException' || name === 'PlatformUnknownException' || name === 'PlatformTaskDefinitionIncompatibilityException') {
    return new CodeboltError(
      'invalid-config',
      `invalid config for provider "ecs": ${failed}; check taskDefinition, containerName, launchType, subnets, securityGroups and platformVersion (codebolt provider configure ecs --config …)`,
      { cause: error },
    );
  }
  if (name === 'LimitExceededException' || ((name === 'ThrottlingException' || name === 'ClientException') && ACCOUNT_LIMIT.test(awsMessage))) {
    return new CodeboltError(
      'backend-quota-exceeded',
      `${failed}; the AWS account is at an ECS limit. Delete environments you no longer need (codebolt env delete <id>), or ask AWS for a higher quota (Service Quotas console, "Fargate On-Demand vCPU resource count")`,
      { cause: error },
    );
  }
  if (TRANSIENT_ERRORS.has(name) || isNetworkError(error)) {
    return new CodeboltError(
      'backend-unavailable',
      `${failed}; this is transient (AWS throttled or failed the call, or the endpoint did not answer in time): the relay retries later. If it persists, check the endpoint (--config endpoint=…), the network path to AWS and the AWS Health Dashboard`,
      { cause: error },
    );
  }
  return new CodeboltError('provider-error', failed, { cause: error });
}

/** The AWS error name (`ClusterNotFoundException`), or the JS error's name. */
export function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? name : 'Error';
}

function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(code);
}

function redact(message: string, secrets: string[]): string {
  let result = message;
  for (const secret of secrets) if (secret.length >= 4) result = result.split(secret).join('[redacted]');
  return result;
}
