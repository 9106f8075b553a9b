import { DockerProvider, type DockerProviderSettings } from './docker-provider.js';

/** Makes the Docker provider. Does no I/O; throws `invalid-config` for a malformed installation id. */
export function createDockerProvider(settings: DockerProviderSettings): DockerProvider {
  return new DockerProvider(settings);
}
