import { z } from 'zod';
import type { CallOptions } from './environments-api.js';
import type { HttpClient } from './http-client.js';

const rotationSchema = z.object({ previousKeyId: z.string(), keyId: z.string(), reencrypted: z.number().int().nonnegative() });
export type MasterKeyRotation = z.infer<typeof rotationSchema>;

const orphanSchema = z.object({ provider: z.string(), resourceId: z.string(), environmentId: z.string().optional(), status: z.string(), firstSeenAt: z.string(), reapable: z.boolean() });
const reconcileReportSchema = z.object({
  dryRun: z.boolean(),
  retried: z.array(z.string()),
  orphans: z.array(orphanSchema),
  reaped: z.array(orphanSchema),
  lost: z.array(z.string()),
  failures: z.array(z.object({ provider: z.string(), code: z.string(), message: z.string() })),
});
/** What one reconcile pass did (or would do). */
export type ReconcileReport = z.infer<typeof reconcileReportSchema>;

/** `client.admin`: relay administration (operator tokens only). */
export class AdminApi {
  constructor(private readonly http: HttpClient) {}

  /**
   * `POST /v1/admin/rotate-master-key`: re-encrypts every stored secret under a new master key
   * while the relay serves, and forgets the old key. Resolves with both key ids (never the keys)
   * and how many secrets were re-encrypted. Rejects with `forbidden` without an operator token,
   * `invalid-config` when the relay's key comes from CODEBOLT_MASTER_KEY.
   */
  rotateMasterKey(options: CallOptions = {}): Promise<MasterKeyRotation> {
    return this.http.request({ method: 'POST', path: '/v1/admin/rotate-master-key', schema: rotationSchema, body: {}, signal: options.signal });
  }

  /**
   * `POST /v1/admin/reconcile`: runs one reconcile pass now: stalled records are reattached,
   * resources no record owns are reported (and destroyed once past the relay's grace period), lost
   * resources are reported. With `dryRun` nothing changes. Rejects with `forbidden` without an
   * operator token.
   */
  reconcile(input: { dryRun?: boolean } = {}, options: CallOptions = {}): Promise<ReconcileReport> {
    return this.http.request({ method: 'POST', path: '/v1/admin/reconcile', schema: reconcileReportSchema, body: { dryRun: input.dryRun ?? false }, signal: options.signal });
  }
}
