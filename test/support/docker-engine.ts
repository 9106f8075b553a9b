import { engineAddress, engineClient } from '@codebolt/provider-docker';
import type Docker from 'dockerode';

/**
 * The engine of `DOCKER_HOST` (else /var/run/docker.sock), or `undefined` with a loud message when
 * none answers — unless `CODEBOLT_REQUIRE_DOCKER=1` (.ci/run starts its own dockerd), where a
 * missing engine fails the suite.
 */
export async function dockerEngine(): Promise<Docker | undefined> {
  const address = engineAddress(undefined);
  const docker = engineClient(address);
  try {
    await docker.ping();
    return docker;
  } catch (error) {
    const why = `no Docker engine answers at ${address} (${(error as Error).message})`;
    if (process.env.CODEBOLT_REQUIRE_DOCKER === '1') throw new Error(`${why}, and CODEBOLT_REQUIRE_DOCKER=1 requires one`);
    process.stderr.write(`\n!!! SKIPPING the Docker end-to-end suite: ${why}. Start dockerd or set DOCKER_HOST (.ci/run starts one).\n\n`);
    return undefined;
  }
}
