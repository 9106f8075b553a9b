import { z } from 'zod';

/** E2B's published maximum sandbox timeout (Pro accounts), in milliseconds. */
export const MAX_SANDBOX_TIMEOUT_MS = 86_400_000;

/**
 * The E2B provider's config (package defaults < `codebolt provider configure e2b` < the
 * environment's `--config`). Only `template` is required; the API key comes from `apiKey` or
 * the provider's env `E2B_API_KEY`.
 */
export const e2bConfigSchema = z
  .object({
    /** Template id or name to create sandboxes from. Its start command must run the Codebolt runtime (docs/providers/e2b.md). */
    template: z.string().min(1).max(256),
    /** E2B API key (secret). Default: env `E2B_API_KEY`. */
    apiKey: z.string().min(1).max(512).optional(),
    /** E2B API base URL. Default: env `E2B_API_URL`, then `https://api.<domain>`. */
    apiUrl: z.url().max(1024).optional(),
    /** E2B domain. Default: env `E2B_DOMAIN`, then `e2b.app`. */
    domain: z.string().min(1).max(253).optional(),
    /** Base URL of the sandboxes' envd. Default: env `E2B_SANDBOX_URL`, then E2B's own per-sandbox address. */
    sandboxUrl: z.url().max(1024).optional(),
    /**
     * Sandbox timeout in milliseconds: E2B kills the sandbox this long after the last create,
     * resume or extension. Set on create and resume and renewed on every attach while the
     * relay keeps the environment. Default 900000 (15 min); at most 86400000.
     */
    timeoutMs: z.number().int().min(10_000).max(MAX_SANDBOX_TIMEOUT_MS).default(900_000),
    /** Time limit of each E2B API request, in milliseconds. Default 30000. */
    requestTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /** The command that runs the Codebolt runtime inside the sandbox (on the template's PATH). Default `codebolt-runtime`. */
    runtimeCommand: z.string().min(1).max(1024).default('codebolt-runtime'),
    /**
     * Who starts the runtime in a new sandbox. `envd` (default): the provider runs
     * `runtimeCommand` through the sandbox's envd right after create, with the URL and token in
     * the process's environment — needed on E2B itself, whose template start command runs at
     * template build time (before any token exists) and is snapshotted. `start-command`: the
     * template's start command runs the runtime when each sandbox boots, reading the URL and
     * token from the create call's `envs` (backends that run the start command per sandbox).
     * After a resume the provider always starts the runtime through envd.
     */
    runtimeLaunch: z.enum(['envd', 'start-command']).default('envd'),
    /** Extra environment variables of the runtime and what it runs. */
    env: z.record(z.string(), z.string()).optional(),
    /** Like `env`, for secrets. */
    secretEnv: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export type E2bConfig = z.input<typeof e2bConfigSchema>;
export type ResolvedE2bConfig = z.output<typeof e2bConfigSchema>;
