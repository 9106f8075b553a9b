import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CodeboltError, describeZodError } from '@codebolt/protocol';
import { verifyAuditLog } from '../audit/verify-audit-log.js';
import { encryptedKeyId, isEncryptedValue, masterKeyId } from '../secrets/cipher.js';
import { storeFileSchema } from '../store/record-schema.js';
import { migrateStore } from '../store/store-migrations.js';

/** One thing wrong with a data dir, and what to do about it. */
export interface DataDirProblem {
  /** Which check found it: `store`, `providers`, `installation`, `audit`, `secrets`, `orphans`. */
  check: string;
  problem: string;
  fix: string;
}

export interface DataDirCheck {
  dataDir: string;
  ok: boolean;
  /** The checks that ran, in order. */
  checks: string[];
  environments: number;
  auditEntries: number;
  problems: DataDirProblem[];
}

export interface CheckOptions {
  /** The master keyring when it is not in `<dataDir>/master.key` (CODEBOLT_MASTER_KEY). */
  masterKeys?: Buffer[];
}

/**
 * Verifies a data dir offline and read-only (safe while the relay runs):
 * - store: environments.json parses, migrates (not from a newer version), every record has the
 *   current shape, ids and (tenant, name) are unique, idempotency entries point at records;
 * - providers / installation: providers.json and installation.json parse;
 * - audit: audit.log's hash chain is intact;
 * - secrets: every encrypted value's key id is in the master keyring (else it cannot be decrypted);
 * - orphans: `workspaces/<id>` and `providers/<provider>/<id>` dirs without a record, and records
 *   whose provider keeps per-resource state but whose state dir is gone.
 * Never throws for a problem it finds (they are returned); throws only when `dataDir` is missing.
 */
export async function checkDataDir(dataDir: string, options: CheckOptions = {}): Promise<DataDirCheck> {
  const info = await stat(dataDir).catch(() => undefined);
  if (!info?.isDirectory()) throw new CodeboltError('not-found', `no data dir at ${dataDir}; pass --data-dir`);
  const problems: DataDirProblem[] = [];
  const checks: string[] = [];
  const add = (check: string, problem: string, fix: string) => problems.push({ check, problem, fix });
  const readJson = async (name: string): Promise<{ value?: unknown; missing?: true; error?: string }> => {
    try {
      return { value: JSON.parse(await readFile(join(dataDir, name), 'utf8')) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
      return { error: (error as Error).message };
    }
  };

  // store
  checks.push('store');
  const storePath = join(dataDir, 'environments.json');
  let records: Array<{ id: string; tenant: string; name: string; provider: { name: string }; resourceId: string | null; config: Record<string, unknown> }> = [];
  const storeFile = await readJson('environments.json');
  if (storeFile.error) add('store', `${storePath} is not valid JSON (${storeFile.error})`, 'restore it from a backup (`codebolt admin restore`), or move it away to start with no environments');
  else if (storeFile.value !== undefined) {
    try {
      const migrated = migrateStore(storeFile.value, storePath);
      const parsed = storeFileSchema.safeParse({ idempotency: {}, ...migrated });
      if (!parsed.success) add('store', `${storePath} has invalid records (${describeZodError(parsed.error)})`, 'restore it from a backup; do not edit it by hand while the relay runs');
      else {
        records = parsed.data.environments as typeof records;
        const ids = new Set<string>();
        const names = new Set<string>();
        for (const record of records) {
          if (ids.has(record.id)) add('store', `environment id ${record.id} appears twice in ${storePath}`, 'restore the file from a backup');
          const key = `${record.tenant}/${record.name}`;
          if (names.has(key)) add('store', `two environments are named ${record.name} in tenant ${record.tenant}`, 'delete one of them (`codebolt env delete <id>`)');
          ids.add(record.id);
          names.add(key);
        }
        for (const [key, entry] of Object.entries(parsed.data.idempotency)) {
          if (!ids.has(entry.environmentId)) add('store', `idempotency key ${key.split('\u0000')[1] ?? key} points at missing environment ${entry.environmentId}`, 'harmless but stale; the next delete or restore cleans it — or restore from a backup');
        }
      }
    } catch (error) {
      const failure = CodeboltError.from(error);
      add('store', failure.message, failure.code === 'data-version-unsupported' ? 'run a relay at least as new as the one that wrote the file' : 'restore it from a backup');
    }
  }

  // providers, installation
  checks.push('providers', 'installation');
  const providersFile = await readJson('providers.json');
  if (providersFile.error || (providersFile.value !== undefined && typeof (providersFile.value as { providers?: unknown }).providers !== 'object')) {
    add('providers', `${join(dataDir, 'providers.json')} is not a valid provider config file`, 'restore it from a backup, or remove it and configure the providers again (`codebolt provider configure`)');
  }
  const installation = await readJson('installation.json');
  if (installation.missing && records.length > 0) add('installation', `${join(dataDir, 'installation.json')} is missing but there are environments`, 'restore it from a backup: without it the relay cannot find the resources it owns');
  else if (installation.error || (installation.value !== undefined && typeof (installation.value as { installationId?: unknown }).installationId !== 'string')) {
    add('installation', `${join(dataDir, 'installation.json')} is invalid`, 'restore it from a backup');
  }

  // audit
  checks.push('audit');
  const audit = await verifyAuditLog(join(dataDir, 'audit.log'));
  if (!audit.ok) add('audit', `audit.log: ${audit.firstProblem!.message}`, 'the log was altered or torn; keep it as evidence, compare it with the forwarded copy, and see `codebolt admin verify-audit`');

  // secrets
  checks.push('secrets');
  let keyIds: string[] | undefined;
  if (options.masterKeys) keyIds = options.masterKeys.map(masterKeyId);
  else {
    try {
      keyIds = (await readFile(join(dataDir, 'master.key'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => masterKeyId(Buffer.from(line.trim(), 'base64url')));
    } catch {
      keyIds = undefined;
    }
  }
  const secrets: Array<{ where: string; value: { $enc: string } }> = [];
  for (const record of records) for (const [field, value] of Object.entries(record.config)) if (isEncryptedValue(value)) secrets.push({ where: `environment ${record.id} config.${field}`, value });
  const providerConfigs = (providersFile.value as { providers?: Record<string, { config?: Record<string, unknown> }> } | undefined)?.providers ?? {};
  for (const [name, entry] of Object.entries(providerConfigs)) for (const [field, value] of Object.entries(entry.config ?? {})) if (isEncryptedValue(value)) secrets.push({ where: `provider ${name} config.${field}`, value });
  if (secrets.length > 0 && !keyIds) add('secrets', `${secrets.length} stored secrets need a master key, but there is no ${join(dataDir, 'master.key')} and no CODEBOLT_MASTER_KEY`, 'put the master key back (master.key, 0600) or set CODEBOLT_MASTER_KEY; without it these secrets are lost');
  else if (keyIds) {
    for (const secret of secrets) {
      const id = encryptedKeyId(secret.value);
      if (id !== undefined && !keyIds.includes(id)) add('secrets', `${secret.where} is encrypted under master key ${id}, which the keyring (${keyIds.join(', ')}) does not hold`, 'restore the master.key that was in use when it was stored, or set the secret again');
    }
  }

  // orphans
  checks.push('orphans');
  const byId = new Map(records.map((record) => [record.id, record]));
  const list = async (path: string) => (await readdir(path, { withFileTypes: true }).catch(() => [])).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  for (const id of await list(join(dataDir, 'workspaces'))) {
    if (!byId.has(id)) add('orphans', `workspace ${join(dataDir, 'workspaces', id)} belongs to no environment`, 'copy out anything you need, then remove the directory (or restore the record from a backup)');
  }
  for (const provider of await list(join(dataDir, 'providers'))) {
    for (const id of await list(join(dataDir, 'providers', provider))) {
      const record = byId.get(id);
      if (!record || record.provider.name !== provider) add('orphans', `provider state ${join(dataDir, 'providers', provider, id)} belongs to no ${provider} environment`, 'remove the directory once you have made sure the resource it describes is gone (or restore the record from a backup)');
    }
    for (const record of records) {
      if (record.provider.name === provider && record.resourceId !== null && !(await list(join(dataDir, 'providers', provider))).includes(record.id)) {
        add('orphans', `environment ${record.id} (${record.name}) has resource ${record.resourceId} but no state in ${join(dataDir, 'providers', provider)}`, 'restore the data dir from a backup, or delete the environment (`codebolt env delete`) and create it again');
      }
    }
  }
  for (const name of await readdir(dataDir).catch(() => [] as string[])) {
    if (/^\.backup-/.test(name)) add('orphans', `${join(dataDir, name)} is the staging dir of a backup that was interrupted`, 'remove it (no backup is running from it once the relay that made it is gone)');
    else if (/^\..+\.tmp$/.test(name)) add('orphans', `${join(dataDir, name)} is the temp file of an interrupted write`, 'remove it; it is never read (the relay also removes it on its next start)');
  }
  return { dataDir, ok: problems.length === 0, checks, environments: records.length, auditEntries: audit.entries, problems };
}
