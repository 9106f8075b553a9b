// The ECS stand-in's wire shapes, checked with raw HTTP (the provider's tests drive it with the
// real SDK): the awsJson1_1 content type, error statuses and `{ __type, message }` bodies.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EcsStandIn } from './ecs-stand-in.js';

let standIn: EcsStandIn;
const AUTHORIZATION = `AWS4-HMAC-SHA256 Credential=AKIAGOOD/20260101/us-east-1/ecs/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;

beforeEach(async () => {
  standIn = await EcsStandIn.start({ accessKeyIds: ['AKIAGOOD'], clusters: ['dev'], taskDefinitions: [{ family: 'rt', revision: 1, containerName: 'runtime' }] });
});

afterEach(async () => {
  await standIn.close();
});

async function call(operation: string, body: unknown, authorization: string | null = AUTHORIZATION) {
  const response = await fetch(`${standIn.endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonEC2ContainerServiceV20141113.${operation}`, ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
}

describe('ECS stand-in wire shapes', () => {
  it('answers in application/x-amz-json-1.1 with ECS error bodies and statuses', async () => {
    expect(await call('ListTasks', { cluster: 'dev' }, null)).toEqual({ status: 400, type: 'application/x-amz-json-1.1', body: { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' } });
    expect((await call('ListTasks', { cluster: 'dev' }, AUTHORIZATION.replace('AKIAGOOD', 'AKIABAD'))).body).toEqual({ __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
    expect(await call('ListTasks', { cluster: 'nope' })).toMatchObject({ status: 400, body: { __type: 'ClusterNotFoundException', message: 'Cluster not found.' } });
    expect((await call('StopTask', { cluster: 'dev', task: 'abc' })).body).toEqual({ __type: 'InvalidParameterException', message: 'The referenced task was not found.' });
    expect((await call('RunTask', { cluster: 'dev', taskDefinition: 'missing' })).body).toEqual({ __type: 'ClientException', message: 'TaskDefinition not found.' });
    standIn.failNext('DescribeTasks', 1, 'ServerException', 'Service Unavailable');
    expect(await call('DescribeTasks', { cluster: 'dev', tasks: ['x'] })).toMatchObject({ status: 500, body: { __type: 'ServerException' } });
  });

  it('DescribeTasks reports unknown tasks as MISSING failures, ListTasks answers taskArns', async () => {
    expect((await call('DescribeTasks', { cluster: 'dev', tasks: ['0123'] })).body).toEqual({ tasks: [], failures: [{ arn: 'arn:aws:ecs:us-east-1:123456789012:task/dev/0123', reason: 'MISSING' }] });
    expect((await call('ListTasks', { cluster: 'dev', startedBy: 'me' })).body).toEqual({ taskArns: [] });
  });
});
