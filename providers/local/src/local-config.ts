import { z } from 'zod';

/**
 * The local provider's config. The relay validates it against the `configSchema` in
 * package.json first; the provider parses it again at its edge with this schema.
 */
export const localConfigSchema = z
  .object({
    /** Extra environment variables for the runtime and the processes it runs. */
    env: z.record(z.string(), z.string()).optional(),
    /** Like `env`, for secrets (encrypted at rest by the relay, never shown by the API). */
    secretEnv: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export type LocalConfig = z.infer<typeof localConfigSchema>;
