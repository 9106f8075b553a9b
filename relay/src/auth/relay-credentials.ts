import { join } from 'node:path';
import { readOrCreateSecretFile, randomSecret } from '../data-dir/secret-files.js';
import { writeFileAtomic } from '../data-dir/atomic-file.js';
import { CodeboltError } from '@codebolt/protocol';
import { type JwksOptions, TokenService } from './tokens.js';

export interface RelayCredentials {
  tokens: TokenService;
  /** The master keyring: current key first, then keys still needed by an interrupted rotation. */
  masterKeys: Buffer[];
  /** master.key, or undefined when the key comes from CODEBOLT_MASTER_KEY (then it cannot be rotated in place). */
  masterKeyPath: string | undefined;
  adminTokenPath: string;
  firstBoot: boolean;
}

/** The identity written to admin.token for the local CLI: the relay's operator (crosses tenants). */
export const LOCAL_ADMIN = { subject: 'local-admin', tenant: 'default', role: 'admin', operator: true } as const;

export interface TokenVerificationOptions {
  clockToleranceSeconds?: number;
  jwks?: JwksOptions;
}

/**
 * Loads or creates the relay's secrets in the data dir (all 0600): the HS256 signing secret, the
 * master key (unless CODEBOLT_MASTER_KEY is set) and an admin token for the local CLI. An admin
 * token that no longer verifies (expired, or the signing key changed) is replaced.
 */
export async function loadRelayCredentials(dataDir: string, adminTokenTtlSeconds: number, verification: TokenVerificationOptions = {}): Promise<RelayCredentials> {
  const signing = await readOrCreateSecretFile(join(dataDir, 'signing.key'), () => randomSecret(32));
  const tokens = new TokenService({ secret: Buffer.from(signing.value, 'base64url'), ...verification });

  let masterKeys: Buffer[];
  let masterKeyPath: string | undefined;
  const fromEnv = process.env.CODEBOLT_MASTER_KEY;
  if (fromEnv !== undefined) {
    masterKeys = [Buffer.from(fromEnv.trim(), 'base64url')];
    if (masterKeys[0]!.length !== 32) throw new CodeboltError('invalid-config', 'CODEBOLT_MASTER_KEY must be 32 random bytes in base64url (e.g. `node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64url\'))"`)');
  } else {
    masterKeyPath = join(dataDir, 'master.key');
    // One base64url key per line, the current one first (more than one only mid-rotation).
    const stored = await readOrCreateSecretFile(masterKeyPath, () => randomSecret(32));
    masterKeys = stored.value.split('\n').map((line) => Buffer.from(line.trim(), 'base64url'));
    if (masterKeys.some((key) => key.length !== 32)) throw new CodeboltError('data-corrupt', `${join(dataDir, 'master.key')} does not hold a 32-byte key; restore it from a backup`);
  }

  const adminTokenPath = join(dataDir, 'admin.token');
  const admin = await readOrCreateSecretFile(adminTokenPath, () => tokens.mintAccessToken(LOCAL_ADMIN, adminTokenTtlSeconds));
  let valid = true;
  try {
    // A token from before the operator claim existed is replaced too.
    valid = (await tokens.verifyAccessToken(admin.value)).operator;
  } catch {
    valid = false;
  }
  if (!valid) await writeFileAtomic(adminTokenPath, `${await tokens.mintAccessToken(LOCAL_ADMIN, adminTokenTtlSeconds)}\n`, 0o600);
  return { tokens, masterKeys, masterKeyPath, adminTokenPath, firstBoot: signing.created };
}
