export { createEcsProvider } from './create-ecs-provider.js';
export { EcsProvider, type EcsProviderSettings } from './ecs-provider.js';
export { ecsConfigSchema, type EcsConfig } from './ecs-config.js';
export { TAGS as ECS_TAGS, STOP_REASONS as ECS_STOP_REASONS, startedByFor, clientTokenFor } from './ecs-ownership.js';
export { ecsError } from './ecs-errors.js';
