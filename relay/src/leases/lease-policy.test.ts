import { describe, expect, it } from 'vitest';
import { resolveLease } from './lease-policy.js';

const budgets = {
  idleTimeoutMs: 600_000,
  maxLifetimeMs: null,
  providers: { docker: { maxLifetimeMs: 3_600_000, maxLifetimeLimitMs: 7_200_000 } },
  tenants: { acme: { idleTimeoutMs: 60_000, idleTimeoutLimitMs: 120_000 } },
};

describe('resolveLease', () => {
  it('takes each field from the tenant, then the provider, then the relay', () => {
    expect(resolveLease(budgets, 'other', 'local', undefined)).toEqual({ idleTimeoutMs: 600_000, maxLifetimeMs: null });
    expect(resolveLease(budgets, 'other', 'docker', undefined)).toEqual({ idleTimeoutMs: 600_000, maxLifetimeMs: 3_600_000 });
    expect(resolveLease(budgets, 'acme', 'docker', undefined)).toEqual({ idleTimeoutMs: 60_000, maxLifetimeMs: 3_600_000 });
  });

  it('lets an environment ask for its own budgets within the limits, and refuses more with the limit in the message', () => {
    expect(resolveLease(budgets, 'acme', 'docker', { idleTimeoutMs: 90_000, maxLifetimeMs: 7_000_000 })).toEqual({ idleTimeoutMs: 90_000, maxLifetimeMs: 7_000_000 });
    expect(resolveLease(budgets, 'other', 'local', { idleTimeoutMs: null })).toEqual({ idleTimeoutMs: null, maxLifetimeMs: null });
    expect(() => resolveLease(budgets, 'acme', 'local', { idleTimeoutMs: 180_000 })).toThrow(/lease.idleTimeoutMs 180000 ms is over the limit of 120000 ms for tenant acme/);
    expect(() => resolveLease(budgets, 'other', 'docker', { maxLifetimeMs: null })).toThrow(/over the limit of 7200000 ms/);
  });
});
