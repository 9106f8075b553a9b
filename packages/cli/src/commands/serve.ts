import { createRequire } from 'node:module';
import { delimiter, dirname, isAbsolute, resolve } from 'node:path';
import { CodeboltError } from '@codebolt/protocol';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { CliRun } from '../cli-run.js';
import { CommandContext } from '../command-context.js';
import { parseDuration } from '../duration.js';
import { DEFAULT_DATA_DIR } from '../target/data-dir.js';

/**
 * `codebolt serve [--host] [--port] [--data-dir] [--allow-remote]`: runs a relay in this process
 * with the local provider plus the provider packages in `CODEBOLT_PROVIDER_PATHS`, prints where
 * it listens and what to run next (never the admin token), and on SIGINT/SIGTERM closes it
 * gracefully and exits 0; a second signal exits at once.
 */
export function registerServe(program: Command, run: CliRun): void {
  program
    .command('serve')
    .description('run a relay on this machine (Ctrl-C stops it)')
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--port <number>', 'port to listen on; 0 picks a free one', '7420')
    .option('--allow-remote', 'allow binding a non-loopback address with only the relay\'s own HS256 tokens (put it behind TLS; see docs/security.md)')
    .option('--log-level <level>', 'debug, info, warn or error', 'info')
    .option('--jwks-url <url>', "also accept tenant tokens signed by this identity provider's JWKS (needs --jwks-issuer and --jwks-audience)")
    .option('--jwks-issuer <iss>', 'required issuer of JWKS-signed tokens')
    .option('--jwks-audience <aud>', 'required audience of JWKS-signed tokens')
    .option('--allowed-origin <origin>', 'browser origin allowed to connect (repeat it; * for any)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--audit-webhook <url>', 'POST every audit entry to this URL (a SIEM)')
    .option('--audit-hook <executable>', 'run this program once and write every audit entry to its stdin as a JSON line (no shell, no arguments: use a wrapper script)')
    .option('--trust-proxy <address>', 'believe X-Forwarded-For from this reverse proxy (address or CIDR; repeat it)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--idle-timeout <duration>', 'default idle timeout of new environments (30m, 2h, none)')
    .option('--max-lifetime <duration>', 'default maximum lifetime of new environments, from each start (8h, none)')
    .option('--lease-warning <duration>', 'how long before a lease stop apps get lease-warning (default 60s)')
    .action(async (options: ServeOptions, command: Command) => {
      const context = CommandContext.of(command, run);
      const port = parsePort(options.port);
      const leases = leasesOption(options);
      const dataDir = context.dataDir();
      const { startRelay } = await import('@codebolt/relay');
      const relay = await startRelay({
        host: options.host,
        port,
        dataDir: dataDir.path,
        providerPackages: providerPackages(context.io.env, context.io.cwd),
        allowRemote: options.allowRemote === true,
        logLevel: options.logLevel as 'info',
        ...jwksOption(options),
        ...(options.allowedOrigin ? { allowedOrigins: options.allowedOrigin } : {}),
        ...(options.auditWebhook ? { auditWebhookUrl: options.auditWebhook } : {}),
        ...(options.auditHook ? { auditHookCommand: [resolve(context.io.cwd, options.auditHook)] } : {}),
        ...(options.trustProxy ? { trustedProxies: options.trustProxy } : {}),
        ...(leases ? { leases } : {}),
      }).catch((error: unknown) => {
        if (error instanceof CodeboltError && error.code === 'invalid-config') {
          throw new CliError(error.code, error.message, { fix: 'check the serve options with `codebolt serve --help`', cause: error });
        }
        throw error;
      });
      const closed = closeOnSignal(relay, context);
      const dataDirHint = dataDir.display === DEFAULT_DATA_DIR ? '' : ` --data-dir ${dataDir.display}`;
      const providers = relay.providers.join(', ') || 'none';
      context.print(
        { url: relay.url, port: relay.port, dataDir: relay.dataDir, adminTokenPath: relay.adminTokenPath, firstBoot: relay.firstBoot, providers: relay.providers },
        () =>
          [
            `Codebolt relay listening on ${relay.url} (data dir ${dataDir.display}, provider${relay.providers.length === 1 ? '' : 's'} ${providers})`,
            `admin token: ${relay.adminTokenPath} (the CLI uses it automatically)`,
            `Next, in another terminal: pnpm codebolt${dataDirHint} env create demo --provider local`,
            'Stop with Ctrl-C.',
          ].join('\n'),
      );
      await closed;
    });
}

interface ServeOptions {
  host: string;
  port: string;
  allowRemote?: boolean;
  logLevel: string;
  jwksUrl?: string;
  jwksIssuer?: string;
  jwksAudience?: string;
  allowedOrigin?: string[];
  auditWebhook?: string;
  auditHook?: string;
  trustProxy?: string[];
  idleTimeout?: string;
  maxLifetime?: string;
  leaseWarning?: string;
}

/** Relay-wide lease defaults from the flags (per-tenant and per-provider budgets are relay options; see docs/architecture.md). */
function leasesOption(options: ServeOptions): { idleTimeoutMs?: number | null; maxLifetimeMs?: number | null; warningLeadMs?: number } | undefined {
  const leases: { idleTimeoutMs?: number | null; maxLifetimeMs?: number | null; warningLeadMs?: number } = {};
  if (options.idleTimeout !== undefined) leases.idleTimeoutMs = parseDuration('--idle-timeout', options.idleTimeout);
  if (options.maxLifetime !== undefined) leases.maxLifetimeMs = parseDuration('--max-lifetime', options.maxLifetime);
  if (options.leaseWarning !== undefined) leases.warningLeadMs = parseDuration('--lease-warning', options.leaseWarning) ?? 0;
  return Object.keys(leases).length > 0 ? leases : undefined;
}

function jwksOption(options: ServeOptions): { jwks?: { url: string; issuer: string; audience: string } } {
  const { jwksUrl, jwksIssuer, jwksAudience } = options;
  if (jwksUrl === undefined && jwksIssuer === undefined && jwksAudience === undefined) return {};
  if (!jwksUrl || !jwksIssuer || !jwksAudience) {
    throw new CliError('invalid-config', 'JWKS verification needs all three of --jwks-url, --jwks-issuer and --jwks-audience', { fix: "pass the identity provider's jwks_uri, issuer and the audience it puts in tokens for this relay" });
  }
  return { jwks: { url: jwksUrl, issuer: jwksIssuer, audience: jwksAudience } };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new CliError('bad-request', `--port must be a number from 0 to 65535 (got ${JSON.stringify(value)})`, { fix: 'pass --port 7420, or --port 0 for any free port' });
  }
  return port;
}

/** Providers installed with the CLI, offered by every `serve`. */
const BUNDLED_PROVIDERS = ['@codebolt/provider-local', '@codebolt/provider-docker', '@codebolt/provider-worktree', '@codebolt/provider-ssh', '@codebolt/provider-e2b', '@codebolt/provider-ecs'];

/** The bundled providers' package dirs, then every dir in CODEBOLT_PROVIDER_PATHS (path-delimiter separated). */
function providerPackages(env: NodeJS.ProcessEnv, cwd: string): string[] {
  const require = createRequire(import.meta.url);
  const bundled = BUNDLED_PROVIDERS.map((name) => dirname(require.resolve(`${name}/package.json`)));
  const extra = (env.CODEBOLT_PROVIDER_PATHS ?? '')
    .split(delimiter)
    .filter((entry) => entry.trim() !== '')
    .map((entry) => (isAbsolute(entry) ? entry : resolve(cwd, entry)));
  return [...bundled, ...extra];
}

/** Resolves once the relay closed after SIGINT/SIGTERM; a second signal exits the process at once. */
function closeOnSignal(relay: { close(): Promise<void> }, context: CommandContext): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    let closing = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (closing) {
        context.io.stderr.write(`${signal} again: exiting without waiting\n`);
        process.exit(130);
      }
      closing = true;
      context.io.stderr.write(`${signal}: closing the relay (press Ctrl-C again to exit at once)\n`);
      relay.close().then(
        () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolvePromise();
        },
        (error: unknown) => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          reject(error);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
