import { ECSClient } from '@aws-sdk/client-ecs';
import type { ResolvedEcsConfig } from './ecs-config.js';

/**
 * An ECS client for `config`: region, endpoint, profile, request timeout and attempts from the
 * config; credentials from the AWS SDK's standard chain (never from config). Does no I/O.
 */
export function ecsClient(config: ResolvedEcsConfig): ECSClient {
  return new ECSClient({
    ...(config.region !== undefined ? { region: config.region } : {}),
    ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
    ...(config.profile !== undefined ? { profile: config.profile } : {}),
    maxAttempts: config.maxAttempts,
    requestHandler: { requestTimeout: config.requestTimeoutMs, connectionTimeout: Math.min(config.requestTimeoutMs, 10_000), throwOnRequestTimeout: true },
  });
}

/** The client's region as the SDK resolved it (config, `AWS_REGION`, the profile), or `unknown` when none is set. */
export async function resolvedRegion(client: ECSClient): Promise<string> {
  try {
    return await client.config.region();
  } catch {
    return 'unknown';
  }
}

/** ECS clients keyed by the settings that shape them (region, endpoint, profile, timeout, attempts). Does no I/O until a client sends. */
export class EcsClients {
  private readonly clients = new Map<string, ECSClient>();

  for(config: ResolvedEcsConfig): ECSClient {
    const key = clientKey(config);
    let client = this.clients.get(key);
    if (!client) {
      client = ecsClient(config);
      this.clients.set(key, client);
    }
    return client;
  }
}

function clientKey(config: ResolvedEcsConfig): string {
  return JSON.stringify([config.region, config.endpoint, config.profile, config.requestTimeoutMs, config.maxAttempts]);
}
