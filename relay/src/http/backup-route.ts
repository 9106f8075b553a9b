import { z } from 'zod';
import { parseData } from '@codebolt/protocol';
import { type BackupSources, writeBackup } from '../backup/create-backup.js';
import { readJsonBody } from './respond.js';
import type { Route } from './router.js';

/** `POST /v1/admin/backup` body: `{ "workspaces"?: boolean }` (default true). */
export const backupRequestSchema = z.object({ workspaces: z.boolean().optional() }).strict();

/**
 * `POST /v1/admin/backup` (operator): streams a tar.gz backup of the live data dir (see
 * writeBackup: environment and provider-config writes pause for the copy of the state files).
 * Errors before the first byte are normal JSON errors; a failure mid-stream aborts the response,
 * which the client sees as a truncated archive (and `codebolt admin backup` refuses to keep).
 */
export function backupRoute(sources: BackupSources): Route {
  return {
    method: 'POST',
    path: '/v1/admin/backup',
    handler: async ({ request, response, auditTarget }) => {
      const { workspaces } = parseData(backupRequestSchema, await readJsonBody(request), 'body');
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      // setHeader, not writeHead: until the first archive byte, an error can still become a JSON error.
      response.statusCode = 200;
      response.setHeader('content-type', 'application/gzip');
      response.setHeader('content-disposition', `attachment; filename="codebolt-backup-${stamp}.tar.gz"`);
      response.setHeader('cache-control', 'no-store');
      const manifest = await writeBackup(sources, { workspaces: workspaces ?? true }, response);
      Object.assign(auditTarget, { workspaces: manifest.workspaces, files: manifest.files.length });
    },
  };
}
