import { z } from 'zod';

const MEMORY = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i;
const UNIT_BYTES: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const MOUNT = /^([^:]+):(\/[^:]*)(?::(ro|rw))?$/;

/**
 * The Docker provider's config (package defaults < `codebolt provider configure docker` < the
 * environment's `--config`). Every field is optional: with none, the provider builds its own
 * runtime image and uses host networking.
 */
export const dockerConfigSchema = z
  .object({
    /** Image to run. Default: a runtime image the provider builds from the installed Node and runtime (`codebolt-runtime:<hash>`). It must contain `node` ≥ 20 on PATH. */
    image: z.string().min(1).max(512).optional(),
    /** Memory limit: bytes, or a number with k, m or g (`512m`, `2g`). Default: none. */
    memory: z.union([z.number().int().positive(), z.string().regex(MEMORY, 'a size like 512m or 2g')]).optional(),
    /** CPU limit in CPUs (`1.5`). Default: none. */
    cpus: z.number().positive().max(1024).optional(),
    /** Process limit inside the container. Default: none. */
    pids: z.number().int().positive().max(4_194_304).optional(),
    /** Docker network mode. Default `host`, so the runtime reaches a relay on 127.0.0.1. */
    network: z.string().min(1).max(256).default('host'),
    /** Extra bind mounts, `source:target[:ro|rw]` with an absolute target. */
    mounts: z.array(z.string().regex(MOUNT, 'source:/absolute/target[:ro|rw]')).max(64).default([]),
    /** The engine: `unix:///path/docker.sock`, `tcp://host:port` or a socket path. Default: env `DOCKER_HOST`, then /var/run/docker.sock. */
    host: z.string().min(1).max(1024).optional(),
    /** Extra environment variables of the runtime and what it runs. */
    env: z.record(z.string(), z.string()).optional(),
    /** Like `env`, for secrets. */
    secretEnv: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export type DockerConfig = z.input<typeof dockerConfigSchema>;
export type ResolvedDockerConfig = z.output<typeof dockerConfigSchema>;

/** `512m` → 536870912; a number is bytes already. */
export function memoryBytes(memory: string | number): number {
  if (typeof memory === 'number') return memory;
  const [, amount, unit] = MEMORY.exec(memory.trim()) as RegExpExecArray;
  return Math.round(Number(amount) * UNIT_BYTES[unit!.toLowerCase()]!);
}

/** `src:/dst:ro` → a Docker bind mount. */
export function bindMount(spec: string): { Type: 'bind'; Source: string; Target: string; ReadOnly: boolean } {
  const [, source, target, mode] = MOUNT.exec(spec) as RegExpExecArray;
  return { Type: 'bind', Source: source!, Target: target!, ReadOnly: mode === 'ro' };
}
