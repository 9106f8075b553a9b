import { CodeboltError } from '@codebolt/protocol';

export interface TenantQuotas {
  maxEnvironmentsPerTenant: number;
  maxRunningEnvironmentsPerTenant: number;
  maxAppConnectionsPerTenant: number;
}

/** Throws CodeboltError `quota-exceeded` when `count` has reached `limit`; `what` names the quota. */
export function checkQuota(count: number, limit: number, what: string, tenant: string): void {
  if (count >= limit) {
    throw new CodeboltError('quota-exceeded', `tenant "${tenant}" is at its quota of ${limit} ${what}; stop or delete some first, or ask the relay operator to raise it`);
  }
}
