import { CodeboltError } from '@codebolt/protocol';
import type { z } from 'zod';
import type { leaseBudgetSchema } from '../options.js';

type LeaseBudget = z.output<typeof leaseBudgetSchema>;

/** Relay-wide budgets plus per-provider and per-tenant overrides (the `leases` relay option). */
export interface LeaseBudgets extends LeaseBudget {
  providers: Record<string, LeaseBudget>;
  tenants: Record<string, LeaseBudget>;
}

/** An environment's budgets, ms; null = none. */
export interface ResolvedLease {
  idleTimeoutMs: number | null;
  maxLifetimeMs: number | null;
}

const FIELDS = ['idleTimeoutMs', 'maxLifetimeMs', 'idleTimeoutLimitMs', 'maxLifetimeLimitMs'] as const;

/**
 * The budgets of a new environment. Each field is taken from the most specific level that sets
 * it: the tenant's entry, then the provider's, then the relay-wide value (else null). The
 * environment's own request wins within the limits: asking for more than `idleTimeoutLimitMs` /
 * `maxLifetimeLimitMs` (or for none, `null`, when a limit is set) throws `bad-request` naming the
 * limit. Defaults above a limit are cut to the limit.
 */
export function resolveLease(budgets: LeaseBudgets, tenant: string, provider: string, requested: Partial<ResolvedLease> | undefined): ResolvedLease {
  const merged: Record<(typeof FIELDS)[number], number | null> = { idleTimeoutMs: null, maxLifetimeMs: null, idleTimeoutLimitMs: null, maxLifetimeLimitMs: null };
  for (const level of [budgets, budgets.providers[provider], budgets.tenants[tenant]]) {
    if (!level) continue;
    for (const field of FIELDS) if (level[field] !== undefined) merged[field] = level[field];
  }
  const pick = (field: 'idleTimeoutMs' | 'maxLifetimeMs', limitField: 'idleTimeoutLimitMs' | 'maxLifetimeLimitMs'): number | null => {
    const limit = merged[limitField];
    const wanted = requested?.[field];
    if (wanted === undefined) return limit !== null && (merged[field] === null || merged[field]! > limit) ? limit : merged[field];
    if (limit !== null && (wanted === null || wanted > limit)) {
      throw new CodeboltError(
        'bad-request',
        `lease.${field} ${wanted === null ? 'null (none)' : `${wanted} ms`} is over the limit of ${limit} ms for tenant ${tenant} and provider ${provider}; ask for at most ${limit} ms or omit it`,
      );
    }
    return wanted;
  };
  return { idleTimeoutMs: pick('idleTimeoutMs', 'idleTimeoutLimitMs'), maxLifetimeMs: pick('maxLifetimeMs', 'maxLifetimeLimitMs') };
}
