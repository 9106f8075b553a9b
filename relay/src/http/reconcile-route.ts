import { z } from 'zod';
import { parseData } from '@codebolt/protocol';
import type { Reconciler } from '../reconcile/reconciler.js';
import { readJsonBody, sendJson } from './respond.js';
import type { Route } from './router.js';

/** `POST /v1/admin/reconcile` body: `{ "dryRun"?: boolean }` (default false). */
export const reconcileRequestSchema = z.object({ dryRun: z.boolean().optional() }).strict();

/**
 * `POST /v1/admin/reconcile` (operator): runs one reconcile pass now and answers its report
 * (retried records, orphans with when they were first seen and whether they are past the grace
 * period, orphans destroyed, records whose resource is lost, providers that could not be listed).
 * With `dryRun` nothing is changed.
 */
export function reconcileRoute(reconciler: Reconciler): Route {
  return {
    method: 'POST',
    path: '/v1/admin/reconcile',
    handler: async ({ request, response, auditTarget }) => {
      const { dryRun } = parseData(reconcileRequestSchema, await readJsonBody(request), 'body');
      const report = await reconciler.run({ dryRun: dryRun ?? false });
      Object.assign(auditTarget, { dryRun: report.dryRun, retried: report.retried.length, orphans: report.orphans.length, reaped: report.reaped.length, lost: report.lost.length });
      sendJson(response, 200, report);
    },
  };
}
