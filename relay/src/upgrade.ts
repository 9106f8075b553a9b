import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CodeboltError, type Envelope, SUBPROTOCOL, envelope } from '@codebolt/protocol';
import { authorize } from './auth/authorization.js';
import { bearerToken } from './auth/credentials.js';
import { type OriginPolicy, checkOrigin } from './auth/origin-policy.js';
import type { Principal, TokenService } from './auth/tokens.js';
import { actorOf } from './audit/audit-actor.js';
import { clientAddress } from './http/client-address.js';
import type { AuditLog } from './audit/audit-log.js';
import type { AddressLimiter } from './limits/address-limiter.js';
import { checkQuota } from './limits/tenant-quotas.js';
import type { AppBroker } from './broker/app-broker.js';
import type { EventsHub } from './dashboard/events-hub.js';
import type { RuntimeHub } from './broker/runtime-hub.js';
import { keepAlive } from './broker/heartbeat.js';
import type { EnvironmentService } from './environments/environment-service.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { ProviderProcessManager } from './providers/provider-process-manager.js';
import { toPublicEnvironment } from './store/record.js';

export interface UpgradeDeps {
  tokens: TokenService;
  environments: EnvironmentService;
  hub: RuntimeHub;
  broker: AppBroker;
  /** The relay-wide feed behind /v1/events. */
  events: EventsHub;
  processes: ProviderProcessManager;
  metrics: Metrics;
  logger: Logger;
  limits: { maxAppFrameBytes: number; maxRuntimeFrameBytes: number; maxProviderFrameBytes: number; heartbeatIntervalMs: number; heartbeatTimeoutMs: number };
  originPolicy: OriginPolicy;
  audit: AuditLog;
  addresses: AddressLimiter;
  maxAppConnectionsPerTenant: number;
  isShuttingDown(): boolean;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };

function chooseProtocol(protocols: Set<string>): string | false {
  return protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false;
}

/** Refuses an upgrade with a plain HTTP answer carrying the usual error body. */
function refuse(socket: Duplex, error: CodeboltError): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: error.toBody() });
  const status = error.status;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * Authenticates WebSocket upgrades before accepting them (a bad credential gets an HTTP 401 and
 * never a socket), then hands the socket to the endpoint's owner.
 */
export function createUpgradeHandler(deps: UpgradeDeps): (request: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const common = { noServer: true, handleProtocols: chooseProtocol, perMessageDeflate: false } as const;
  const appServer = new WebSocketServer({ ...common, maxPayload: deps.limits.maxAppFrameBytes });
  const runtimeServer = new WebSocketServer({ ...common, maxPayload: deps.limits.maxRuntimeFrameBytes });
  const providerServer = new WebSocketServer({ ...common, maxPayload: deps.limits.maxProviderFrameBytes });
  // Clients never send on /v1/events; a tiny limit keeps a misbehaving one cheap.
  const eventsServer = new WebSocketServer({ ...common, maxPayload: 4 * 1024 });

  const accept = (server: WebSocketServer, request: IncomingMessage, socket: Duplex, head: Buffer, use: (ws: WebSocket) => void) => {
    // Only app connections count per address: runtimes and provider processes (often on this
    // host) must never be locked out by an abusive client sharing their address.
    const release = server === appServer || server === eventsServer ? deps.addresses.openConnection(clientAddress(request)) : () => {};
    socket.once('close', release);
    server.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', (error) => deps.logger.debug('socket error', { error }));
      if (server !== providerServer) keepAlive(ws, { intervalMs: deps.limits.heartbeatIntervalMs, timeoutMs: deps.limits.heartbeatTimeoutMs });
      ws.once('close', release);
      if (server === appServer || server === runtimeServer) {
        const from = server === appServer ? 'app' : 'runtime';
        ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
          deps.metrics.framesRelayed.inc({ from });
          deps.metrics.bytesRelayed.inc({ from }, Array.isArray(data) ? data.reduce((sum, part) => sum + part.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length);
        });
      }
      use(ws);
    });
  };

  async function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, url: URL, seen: { principal?: Principal; env?: string }): Promise<void> {
    // Provider processes may still connect while shutting down: in-flight verbs need them to finish.
    if (deps.isShuttingDown() && url.pathname !== '/v1/provider') throw new CodeboltError('shutting-down', 'the relay is shutting down; reconnect shortly');
    checkOrigin(request, deps.originPolicy);
    // Failed-login blocking covers the app endpoint only (see accept above); runtime and provider
    // credentials are 256-bit secrets that cannot be guessed anyway.
    if (url.pathname === '/v1/connect' || url.pathname === '/v1/events') deps.addresses.checkNotBlocked(clientAddress(request));
    switch (url.pathname) {
      case '/v1/connect': {
        const principal = await deps.tokens.verifyAccessToken(bearerToken(request, url));
        seen.principal = principal;
        authorize(principal, 'WS /v1/connect');
        const environmentId = url.searchParams.get('env');
        if (!environmentId) throw new CodeboltError('bad-request', 'missing ?env=<environment id>');
        seen.env = environmentId.slice(0, 100);
        const record = deps.environments.get(principal, environmentId);
        checkQuota(deps.broker.countForTenant(principal.tenant), deps.maxAppConnectionsPerTenant, 'app connections', principal.tenant);
        deps.audit.record({ action: 'WS /v1/connect', actor: actorOf(principal, request), outcome: 'success', target: { id: record.id } });
        accept(appServer, request, socket, head, (ws) => {
          const current = deps.environments.get(principal, record.id);
          const greeting: Envelope[] = [envelope('env-state', { env: record.id, data: { environment: toPublicEnvironment(current) } })];
          const runtime = deps.hub.connection(record.id);
          if (runtime) greeting.push(envelope('runtime-connected', { env: record.id, data: { version: runtime.version, generation: runtime.generation } }));
          deps.broker.accept(ws, principal, record.id, greeting);
        });
        return;
      }
      case '/v1/events': {
        const principal = await deps.tokens.verifyAccessToken(bearerToken(request, url));
        seen.principal = principal;
        authorize(principal, 'WS /v1/events');
        deps.audit.record({ action: 'WS /v1/events', actor: actorOf(principal, request), outcome: 'success' });
        accept(eventsServer, request, socket, head, (ws) => deps.events.accept(ws, principal, deps.environments.list(principal).map(toPublicEnvironment)));
        return;
      }
      case '/v1/runtime': {
        const grant = await deps.tokens.verifyRuntimeToken(bearerToken(request, url));
        if (!deps.environments.runtimeMayConnect(grant.environmentId, grant.generation)) {
          throw new CodeboltError('unauthorized', 'this runtime token is no longer valid (the environment was restarted, stopped or deleted)');
        }
        accept(runtimeServer, request, socket, head, (ws) => deps.hub.accept(ws, grant.environmentId, grant.generation));
        return;
      }
      case '/v1/provider': {
        const bind = deps.processes.authenticate(bearerToken(request, url));
        accept(providerServer, request, socket, head, bind);
        return;
      }
      default:
        throw new CodeboltError('not-found', `no WebSocket endpoint at ${url.pathname}; use /v1/connect, /v1/events, /v1/runtime or /v1/provider`);
    }
  }

  return (request, socket, head) => {
    socket.on('error', (error) => deps.logger.debug('upgrade socket error', { error }));
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://relay');
    } catch {
      refuse(socket, new CodeboltError('bad-request', 'malformed request URL'));
      return;
    }
    const seen: { principal?: Principal; env?: string } = {};
    upgrade(request, socket, head, url, seen).catch((error) => {
      const failure = CodeboltError.from(error);
      if (failure.code === 'unauthorized' && (url.pathname === '/v1/connect' || url.pathname === '/v1/events')) deps.addresses.recordFailedAuth(clientAddress(request));
      if (failure.code === 'unauthorized' || failure.code === 'forbidden') {
        deps.audit.record({
          action: seen.principal ? `WS ${url.pathname}` : 'auth',
          actor: actorOf(seen.principal, request),
          outcome: failure.code === 'forbidden' ? 'denied' : 'failure',
          code: failure.code,
          target: seen.env ? { id: seen.env } : { path: url.pathname.slice(0, 200) },
        });
      }
      deps.metrics.upgradesRefused.inc({ endpoint: url.pathname, code: failure.code });
      if (failure.code === 'internal') deps.logger.error('upgrade failed', { error: failure.cause });
      refuse(socket, failure);
    });
  };
}
