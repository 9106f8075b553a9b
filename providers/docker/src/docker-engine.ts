import Docker from 'dockerode';
import { CodeboltError } from '@codebolt/protocol';

const DEFAULT_SOCKET = '/var/run/docker.sock';

/**
 * Where the engine is: `host` (config) first, then env `DOCKER_HOST`, then /var/run/docker.sock.
 * Accepts `unix:///path`, a plain socket path, or `tcp://host:port` (no TLS).
 */
export function engineAddress(host: string | undefined, environment: NodeJS.ProcessEnv = process.env): string {
  return host ?? (environment.DOCKER_HOST || `unix://${DEFAULT_SOCKET}`);
}

/** A dockerode client for `address`. Does no I/O. Throws `invalid-config` (field `host`) for an address it cannot use. */
export function engineClient(address: string): Docker {
  if (address.startsWith('unix://')) return new Docker({ socketPath: address.slice('unix://'.length) });
  if (address.startsWith('/')) return new Docker({ socketPath: address });
  if (address.startsWith('tcp://') || address.startsWith('http://')) {
    const url = new URL(address.replace(/^tcp:/, 'http:'));
    return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
  }
  throw new CodeboltError('invalid-config', `invalid config for provider "docker": host: "${address}" is not unix:///path, /path or tcp://host:port; set --config host=… or DOCKER_HOST`);
}

/** The HTTP status of a dockerode error, if it carries one. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Turns a dockerode failure into a `CodeboltError` an operator can act on: an engine that does
 * not answer becomes `provider-error` naming the address and how to fix it; anything else keeps
 * the engine's own message.
 */
export function engineError(error: unknown, address: string, what: string): CodeboltError {
  if (error instanceof CodeboltError) return error;
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  const message = error instanceof Error ? error.message : String(error);
  if (syscall === 'connect' || code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH') {
    return new CodeboltError(
      'provider-error',
      `cannot reach the Docker engine at ${address} (${code}) while trying to ${what}; start dockerd, or point the provider at a running engine with DOCKER_HOST or --config host=unix:///path/to/docker.sock`,
      { cause: error },
    );
  }
  return new CodeboltError('provider-error', `Docker engine at ${address} failed to ${what}: ${message.trim()}`, { cause: error });
}
