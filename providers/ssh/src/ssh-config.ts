import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { remotePathSchema } from './remote/control-protocol.js';

const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;
const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

/**
 * The SSH provider's config (package defaults < `codebolt provider configure ssh` < the
 * environment's `--config`), parsed at the provider's edge. `hostKey` is required but checked
 * after parsing, so that a missing one can be refused with the fingerprint the host presents.
 */
export const sshConfigSchema = z
  .object({
    /** The remote host: a DNS name, IPv4 or IPv6 address. */
    host: z.string().max(253).refine((host) => HOSTNAME.test(host) || IPV6.test(host), 'a host name or IP address'),
    /** The SSH port. Default 22. */
    port: z.number().int().min(1).max(65_535).default(22),
    /** The user to log in as (a POSIX user name). */
    user: z.string().regex(USER, 'a user name of letters, digits, "_", "." and "-"'),
    /** Absolute path on the relay's machine of the private key. Default: the agent at `SSH_AUTH_SOCK`. */
    privateKeyPath: z.string().max(4096).refine(isAbsolute, 'an absolute path').optional(),
    /** Passphrase of the private key (secret). */
    passphrase: z.string().max(1024).optional(),
    /** The host's public key, one known_hosts line (see host-key.ts). Required. */
    hostKey: z.string().max(16_384).optional(),
    /** Absolute directory on the remote host for programs, runtimes and workspaces. Default `<remote home>/.codebolt-relay`. */
    workdir: remotePathSchema.optional(),
    /** Node ≥ 20 on the remote host. Default `node` on the remote user's PATH. */
    nodePath: remotePathSchema.optional(),
    /** Extra environment variables of the runtime and what it runs. */
    env: z.record(z.string(), z.string()).optional(),
    /** Like `env`, for secrets. */
    secretEnv: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export type SshConfig = z.input<typeof sshConfigSchema>;
export type ResolvedSshConfig = z.output<typeof sshConfigSchema>;

/** The directory a default `workdir` gets under the remote user's home. */
export const DEFAULT_WORKDIR_NAME = '.codebolt-relay';
