import type Docker from 'dockerode';
import { engineAddress, engineClient } from '../docker-engine.js';
import { LABELS } from '../docker-labels.js';

/**
 * The engine the tests use (`DOCKER_HOST`, else /var/run/docker.sock), or `undefined` when none
 * answers. Then the docker suites skip with a loud message — unless `CODEBOLT_REQUIRE_DOCKER=1`
 * (set by .ci/run, which starts its own dockerd), where a missing engine throws and fails the run.
 */
export async function testEngine(): Promise<Docker | undefined> {
  const address = engineAddress(undefined);
  const docker = engineClient(address);
  try {
    await docker.ping();
    return docker;
  } catch (error) {
    const why = `no Docker engine answers at ${address} (${(error as Error).message})`;
    if (process.env.CODEBOLT_REQUIRE_DOCKER === '1') throw new Error(`${why}, and CODEBOLT_REQUIRE_DOCKER=1 requires one`);
    process.stderr.write(`\n!!! SKIPPING the Docker provider tests: ${why}. Start dockerd or set DOCKER_HOST (.ci/run starts one).\n\n`);
    return undefined;
  }
}

/** True while any container or volume of this installation and environment exists on the engine. */
export async function anythingLeft(docker: Docker, installationId: string, environmentId: string): Promise<boolean> {
  const label = [`${LABELS.installation}=${installationId}`, `${LABELS.environment}=${environmentId}`];
  const containers = await docker.listContainers({ all: true, filters: { label } });
  const volumes = (await docker.listVolumes({ filters: { label } })).Volumes ?? [];
  return containers.length > 0 || volumes.length > 0;
}
