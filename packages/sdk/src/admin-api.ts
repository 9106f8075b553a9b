import { z } from 'zod';
import type { CallOptions } from './environments-api.js';
import type { HttpClient } from './http-client.js';

const rotationSchema = z.object({ previousKeyId: z.string(), keyId: z.string(), reencrypted: z.number().int().nonnegative() });
export type MasterKeyRotation = z.infer<typeof rotationSchema>;

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
}
