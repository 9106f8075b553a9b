import type { KeyValuePair, RunTaskCommandInput } from '@aws-sdk/client-ecs';
import type { StartContext } from '@codebolt/provider';
import type { EcsConfig, ResolvedEcsConfig } from './ecs-config.js';
import { TAGS, tagValue } from './ecs-ownership.js';

export interface RunTaskInputParts {
  config: ResolvedEcsConfig;
  context: StartContext<EcsConfig>;
  clientToken: string;
  startedBy: string;
  installationId: string;
}

/**
 * The RunTask request of one environment: cluster, task definition, launch type, count 1, the
 * clientToken, `startedBy`, the three ownership tags, the awsvpc network (when subnets are set),
 * and the runtime container's environment overrides — `config.env`, `config.secretEnv`, then
 * `CODEBOLT_RUNTIME_URL` and `CODEBOLT_RUNTIME_TOKEN`, which config cannot override. The token
 * is in here only: never log this object.
 */
export function runTaskInput({ config, context, clientToken, startedBy, installationId }: RunTaskInputParts): RunTaskCommandInput {
  const environment: KeyValuePair[] = Object.entries({
    ...config.env,
    ...config.secretEnv,
    CODEBOLT_RUNTIME_URL: context.runtime.url,
    CODEBOLT_RUNTIME_TOKEN: context.runtime.token,
  }).map(([name, value]) => ({ name, value }));
  return {
    cluster: config.cluster,
    taskDefinition: config.taskDefinition,
    launchType: config.launchType,
    count: 1,
    clientToken,
    startedBy,
    tags: [
      { key: TAGS.installation, value: tagValue(installationId) },
      { key: TAGS.environment, value: tagValue(context.environment.id) },
      { key: TAGS.creationToken, value: tagValue(context.creationToken) },
    ],
    overrides: { containerOverrides: [{ name: config.containerName, environment }] },
    ...(config.platformVersion !== undefined ? { platformVersion: config.platformVersion } : {}),
    ...(config.subnets.length > 0
      ? {
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: config.subnets,
              ...(config.securityGroups.length > 0 ? { securityGroups: config.securityGroups } : {}),
              assignPublicIp: config.assignPublicIp ? 'ENABLED' : 'DISABLED',
            },
          },
        }
      : {}),
  };
}
