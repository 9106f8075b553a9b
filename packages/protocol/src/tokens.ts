import { z } from 'zod';

/** Longest lifetime `POST /v1/tokens` grants, seconds (one year). */
export const MAX_TOKEN_TTL_SECONDS = 365 * 24 * 3600;

/**
 * `POST /v1/tokens` body. A tenant admin mints for its own tenant with role admin, member or
 * viewer; only an operator may name another tenant or set `operator`.
 */
export const createTokenRequestSchema = z.strictObject({
  tenant: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'tenant must be 1-64 letters, digits, ".", "_" or "-"'),
  role: z.enum(['admin', 'member', 'viewer']).default('member'),
  /** Lifetime in seconds; default 3600, at most MAX_TOKEN_TTL_SECONDS. */
  ttlSeconds: z.number().int().positive().max(MAX_TOKEN_TTL_SECONDS).default(3600),
  /** The token's `sub`; default "token:<tenant>:<random>". */
  subject: z.string().min(1).max(200).optional(),
  operator: z.boolean().default(false),
});
export type CreateTokenRequest = z.input<typeof createTokenRequestSchema>;

/** `POST /v1/tokens` answer. The token itself is shown once and never stored by the relay. */
export const createdTokenSchema = z.object({
  token: z.string().min(1),
  subject: z.string(),
  tenant: z.string(),
  role: z.enum(['admin', 'member', 'viewer']),
  operator: z.boolean(),
  /** ISO 8601. */
  expiresAt: z.string(),
});
export type CreatedToken = z.output<typeof createdTokenSchema>;
