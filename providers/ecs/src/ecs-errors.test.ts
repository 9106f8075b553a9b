import { describe, expect, it } from 'vitest';
import { ecsError } from './ecs-errors.js';

const call = { what: 'run a task', cluster: 'dev', region: 'eu-west-1', secrets: ['runtime-token-123456'] };
const awsError = (name: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, ...extra });

describe('ecsError', () => {
  it.each([
    ['UnrecognizedClientException', 'The security token included in the request is invalid.', 'unauthorized', 'AWS_ACCESS_KEY_ID'],
    ['ExpiredTokenException', 'The security token included in the request is expired', 'unauthorized', 'AWS_PROFILE'],
    ['CredentialsProviderError', 'Could not load credentials from any providers', 'unauthorized', 'standard chain'],
    ['AccessDeniedException', 'User is not authorized to perform: ecs:RunTask', 'forbidden', 'iam:PassRole'],
    ['ClusterNotFoundException', 'Cluster not found.', 'invalid-config', '--config cluster='],
    ['ClientException', 'TaskDefinition not found.', 'invalid-config', 'taskDefinition'],
    ['InvalidParameterException', 'subnet-x is not valid', 'invalid-config', 'subnets'],
    ['ThrottlingException', "You've reached the limit on the number of tasks you can run concurrently", 'backend-quota-exceeded', 'Service Quotas'],
    ['LimitExceededException', 'limit exceeded', 'backend-quota-exceeded', 'codebolt env delete'],
    ['ThrottlingException', 'Rate exceeded', 'backend-unavailable', 'retries later'],
    ['ServerException', 'Service unavailable', 'backend-unavailable', 'retries later'],
    ['TimeoutError', 'request timed out', 'backend-unavailable', 'endpoint'],
    ['ClientException', 'Something else.', 'provider-error', 'Something else.'],
  ])('%s (%s) → %s', (name, message, code, fix) => {
    const error = ecsError(awsError(name, message), call);
    expect(error.code).toBe(code);
    expect(error.message).toContain(fix);
    expect(error.message).toContain('eu-west-1');
  });

  it('an unreachable endpoint is transient', () => {
    expect(ecsError(awsError('Error', 'connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }), call).code).toBe('backend-unavailable');
  });

  it('never repeats a secret that AWS echoed', () => {
    const error = ecsError(awsError('InvalidParameterException', 'value runtime-token-123456 is too long'), call);
    expect(error.message).not.toContain('runtime-token-123456');
    expect(error.message).toContain('[redacted]');
  });
});
