export { createDockerProvider } from './create-docker-provider.js';
export { DockerProvider, type DockerProviderSettings } from './docker-provider.js';
export { dockerConfigSchema, type DockerConfig } from './docker-config.js';
export { LABELS as DOCKER_LABELS, objectName as dockerObjectName } from './docker-labels.js';
export { engineAddress, engineClient } from './docker-engine.js';
export { ensureRuntimeImage, RUNTIME_IMAGE_REPOSITORY } from './runtime-image.js';
