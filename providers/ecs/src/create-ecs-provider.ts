import { EcsProvider, type EcsProviderSettings } from './ecs-provider.js';

/** Makes the ECS provider. Does no I/O; throws `invalid-config` for a malformed installation id. */
export function createEcsProvider(settings: EcsProviderSettings): EcsProvider {
  return new EcsProvider(settings);
}
