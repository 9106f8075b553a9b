import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { CodeboltError, type Envelope, envelope } from '@codebolt/protocol';
import { authorize } from './auth/authorization.js';
import { bearerToken } from './auth/credentials.js';
import { checkOrigin } from './auth/origin-policy.js';
import type { Principal } from './auth/tokens.js';
import { actorOf } from './audit/audit-actor.js';
import { createAuditForwarder } from './audit/audit-forwarders.js';
import { AuditLog } from './audit/audit-log.js';
import { loadRelayCredentials } from './auth/relay-credentials.js';
import { AppBroker } from './broker/app-broker.js';
import { RuntimeHub } from './broker/runtime-hub.js';
import { writeFileAtomic } from './data-dir/atomic-file.js';
import { loadInstallationId } from './data-dir/installation.js';
import { acquireLock } from './data-dir/lock.js';
import { EnvironmentService } from './environments/environment-service.js';
import { EventsHub, forwardEnvironmentEvents } from './dashboard/events-hub.js';
import { isDashboardPath, sendDashboardFile } from './dashboard/static-files.js';
import { whoamiRoute } from './dashboard/whoami-route.js';
import { LeaseManager } from './leases/lease-manager.js';
import { resolveLease } from './leases/lease-policy.js';
import { openApiDocument } from './http/openapi.js';
import { reconcileRoute } from './http/reconcile-route.js';
import { Reconciler } from './reconcile/reconciler.js';
import { Readiness, sendReadiness } from './http/ready.js';
import { sendError, sendJson } from './http/respond.js';
import { clientAddress, resolveClientAddress, trustedProxyList } from './http/client-address.js';
import { matchRoute } from './http/router.js';
import { apiRoutes } from './http/routes.js';
import { createLogger } from './logger.js';
import { Metrics } from './metrics.js';
import { type RelayOptions, isLoopback, resolveRelayOptions } from './options.js';
import { ProviderConfigStore } from './providers/provider-config-store.js';
import { ProviderProcessManager } from './providers/provider-process-manager.js';
import { ProviderRegistry } from './providers/provider-registry.js';
import { ProviderSupervisor } from './providers/provider-supervisor.js';
import { reapStaleProviders } from './providers/stale-provider-reaper.js';
import { SecretCipher } from './secrets/cipher.js';
import { MasterKeyRotation } from './secrets/master-key-rotation.js';
import { AddressLimiter } from './limits/address-limiter.js';
import { EnvironmentStore } from './store/environment-store.js';
import { toPublicEnvironment } from './store/record.js';
import { createUpgradeHandler } from './upgrade.js';
import { StreamStore } from './stream/environment-stream.js';
import { restoreStreams, saveStreams } from './stream/stream-persistence.js';
import { RELAY_VERSION } from './version.js';

/** A running relay. */
export interface Relay {
  /** http://host:port of the API. */
  url: string;
  port: number;
  dataDir: string;
  /** Where the local admin token is stored (0600). */
  adminTokenPath: string;
  /** True when this start created the data dir's secrets. */
  firstBoot: boolean;
  /** The installed providers' names. */
  providers: string[];
  /** Graceful shutdown: tells peers to reconnect, finishes in-flight verbs (bounded), releases the data dir. */
  close(): Promise<void>;
}

/**
 * Starts a relay: takes the data dir's lock, loads the records, reattaches running environments,
 * and serves the HTTP API and the three WebSocket endpoints on one port.
 * Throws CodeboltError: `data-dir-locked`, `data-corrupt`, `invalid-config`.
 */
export async function startRelay(input: RelayOptions = {}): Promise<Relay> {
  const options = resolveRelayOptions(input);
  const { dataDir } = options;
  const logger = createLogger(options.logLevel);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lock = await acquireLock(join(dataDir, 'relay.lock'));
  try {
    return await boot();
  } catch (error) {
    await lock.release();
    throw error;
  }

  async function boot(): Promise<Relay> {
    const readiness = new Readiness();
    const store = new EnvironmentStore(join(dataDir, 'environments.json'));
    await store.load();
    readiness.markStoreLoaded();
    const credentials = await loadRelayCredentials(dataDir, options.adminTokenTtlSeconds, {
      clockToleranceSeconds: options.clockToleranceSeconds,
      ...(options.jwks ? { jwks: options.jwks } : {}),
    });
    const auditForwarder = createAuditForwarder(options, logger);
    const audit = AuditLog.open(join(dataDir, 'audit.log'), auditForwarder.forward);
    const addresses = new AddressLimiter(options);
    const trustedProxies = trustedProxyList(options.trustedProxies);
    const originPolicy = { allowedOrigins: options.allowedOrigins, requireOriginForSubprotocol: options.requireOriginForSubprotocol };
    const cipher = new SecretCipher(credentials.masterKeys);
    const registry = await ProviderRegistry.load(options.providerPackages);
    const installationId = await loadInstallationId(dataDir);
    const providerConfig = new ProviderConfigStore(join(dataDir, 'providers.json'), cipher);
    await providerConfig.load();

    const urls = { runtime: '', provider: '' };
    const streams = new StreamStore({
      window: { maxFrames: options.streamWindowMaxFrames, maxBytes: options.streamWindowMaxBytes },
      unackedMaxFrames: options.runtimeQueueMaxFrames,
      unackedMaxBytes: options.runtimeQueueMaxBytes,
    });
    await restoreStreams(dataDir, streams, logger);
    const hub = new RuntimeHub(
      { queueMaxFrames: options.runtimeQueueMaxFrames, queueMaxBytes: options.runtimeQueueMaxBytes, helloTimeoutMs: options.runtimeHelloTimeoutMs },
      logger,
      streams,
    );
    const processes = new ProviderProcessManager({
      dataDir,
      installationId,
      get providerUrl() {
        return urls.provider;
      },
      registerTimeoutMs: options.providerRegisterTimeoutMs,
      stopTimeoutMs: options.providerStopTimeoutMs,
      heartbeatTimeoutMs: options.providerHeartbeatTimeoutMs,
      restartPolicy: {
        initialDelayMs: options.providerRestartInitialDelayMs,
        maxDelayMs: options.providerRestartMaxDelayMs,
        jitterRatio: options.providerRestartJitterRatio,
        maxCrashes: options.providerMaxCrashes,
        crashWindowMs: options.providerCrashWindowMs,
      },
      logger,
      onRestart: (_environmentId, provider) => metrics.providerRestarts.inc({ provider }),
    });
    const environments = new EnvironmentService(
      {
        store,
        registry,
        providerConfig,
        cipher,
        tokens: credentials.tokens,
        processes,
        hub,
        logger,
        leasePolicy: (tenant, provider, requested) => resolveLease(options.leases, tenant, provider, requested),
      },
      {
        dataDir,
        get runtimeUrl() {
          return urls.runtime;
        },
        runtimeTokenTtlSeconds: options.runtimeTokenTtlSeconds,
        runtimeConnectTimeoutMs: options.runtimeConnectTimeoutMs,
        providerRequestTimeoutMs: options.providerRequestTimeoutMs,
      },
    );
    const supervisor = new ProviderSupervisor(processes, environments, logger);
    const leases = new LeaseManager(
      {
        environments,
        records: () => store.list(),
        record: (id) => store.get(id),
        publish: (id, message) => broker.publish(id, message),
        audit: (event) => audit.record(event),
        logger,
      },
      options.leases,
    );
    hub.on('frame', (environmentId: string, message: Envelope) => leases.runtimeFrame(environmentId, message));
    const broker = new AppBroker(hub, logger, {
      sessionRetentionMs: options.appSessionRetentionMs,
      files: environments,
      maxSendBufferBytes: options.maxAppSendBufferBytes,
      activity: {
        appConnected: (id) => leases.appConnected(id),
        appDisconnected: (id) => leases.appDisconnected(id),
        appRequest: (id, type, requestId) => leases.appRequest(id, type, requestId),
        relayRequest: (principal, id, _type, data) => leases.extend(principal, id, data as { durationMs?: number }),
      },
      onDenied: (principal, environmentId, type) =>
        audit.record({
          action: `WS ${type.slice(0, 50)}`,
          actor: { subject: principal.subject, tenant: principal.tenant, role: principal.role, ...(principal.operator ? { operator: true } : {}) },
          outcome: 'denied',
          code: 'forbidden',
          target: { id: environmentId },
        }),
    });
    const events = new EventsHub(logger);
    const metrics = new Metrics({
      environments: () => store.list().map((record) => ({ state: record.state, provider: record.provider.name })),
      appConnections: () => broker.size,
      eventConnections: () => events.size,
      runtimeConnections: () => hub.size,
      providerProcesses: () => processes.count,
    });

    environments.on('changed', (record) => broker.publish(record.id, envelope('env-state', { env: record.id, data: { environment: toPublicEnvironment(record) } })));
    environments.on('deleted', (record) => {
      broker.close(record.id, 4004, 'environment deleted');
      streams.delete(record.id);
    });
    environments.on('runtime-connected', (id, connection) =>
      broker.publish(id, envelope('runtime-connected', { env: id, data: { version: connection.version, generation: connection.generation } })),
    );
    environments.on('runtime-disconnected', (id, reason) => broker.publish(id, envelope('runtime-disconnected', { env: id, data: { reason } })));
    forwardEnvironmentEvents(environments, events, (id) => store.get(id)?.tenant);
    environments.on('reconcile-action', (action: string) => metrics.reconcileActions.inc({ action }));

    let shuttingDown = false;
    const reconciler = new Reconciler(
      { environments, store, logger, onAction: (action) => metrics.reconcileActions.inc({ action }) },
      { intervalMs: options.reconcileIntervalMs, orphanGraceMs: options.orphanGraceMs },
    );
    const routes = [whoamiRoute, reconcileRoute(reconciler), ...apiRoutes({ environments, registry, providerConfig, metrics, openApi: () => openApiDocument(RELAY_VERSION), dataDir, tokens: credentials.tokens, rotation: new MasterKeyRotation({ cipher, masterKeyPath: credentials.masterKeyPath, store, providerConfig }), quotas: options, backup: { dataDir, installationId, store, providerConfig, cipher } })];

    async function onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
      const method = request.method ?? 'GET';
      let principal: Principal | undefined;
      let action: string | undefined;
      const auditTarget: Record<string, string | number | boolean> = {};
      let failure: CodeboltError | undefined;
      // The latency histogram's route label: a route pattern or a fixed name, never a raw path.
      let routeLabel = 'unmatched';
      const startedAt = process.hrtime.bigint();
      response.once('finish', () => metrics.requestDuration.observe({ method, route: routeLabel }, Number(process.hrtime.bigint() - startedAt) / 1e9));
      try {
        const url = new URL(request.url ?? '/', 'http://relay');
        if (method === 'GET' && url.pathname === '/health') {
          routeLabel = '/health';
          return sendJson(response, 200, { status: shuttingDown ? 'shutting-down' : 'ok', version: RELAY_VERSION });
        }
        if (method === 'GET' && url.pathname === '/ready') {
          routeLabel = '/ready';
          return sendReadiness(response, readiness);
        }
        if (isDashboardPath(method, url.pathname)) {
          routeLabel = url.pathname;
          return await sendDashboardFile(method, url.pathname, response);
        }
        if (shuttingDown) throw new CodeboltError('shutting-down', 'the relay is shutting down; retry shortly');
        checkOrigin(request, originPolicy);
        addresses.checkNotBlocked(clientAddress(request));
        principal = await credentials.tokens.verifyAccessToken(bearerToken(request, url));
        const match = matchRoute(routes, method, url.pathname);
        if (match === 'not-found') throw new CodeboltError('not-found', `no route ${method} ${url.pathname}; see /openapi.json`);
        if (match === 'method-not-allowed') throw new CodeboltError('not-found', `${url.pathname} does not accept ${method}; see /openapi.json`);
        action = `${method} ${match.route.path}`;
        routeLabel = match.route.path;
        Object.assign(auditTarget, match.params);
        authorize(principal, action);
        await match.route.handler({ request, response, url, params: match.params, principal, auditTarget });
      } catch (error) {
        failure = CodeboltError.from(error);
        if (failure.code === 'unauthorized') addresses.recordFailedAuth(clientAddress(request));
        if (failure.code === 'internal') logger.error('request failed', { method, path: request.url?.split('?')[0], error: failure.cause });
        sendError(response, failure);
      } finally {
        metrics.httpRequests.inc({ method, status: String(response.statusCode) });
        // On record: every failed login, every denial, and every request that changes something.
        const denied = failure?.code === 'forbidden';
        if (failure?.code === 'unauthorized' || denied || (action !== undefined && method !== 'GET')) {
          audit.record({
            action: action ?? 'auth',
            actor: actorOf(principal, request),
            outcome: failure ? (denied ? 'denied' : 'failure') : 'success',
            ...(failure ? { code: failure.code } : {}),
            ...(Object.keys(auditTarget).length > 0 ? { target: auditTarget } : action ? {} : { target: { method, path: (request.url ?? '/').split('?')[0]!.slice(0, 200) } }),
          });
        }
      }
    }

    const server = createServer(
      {
        requestTimeout: Math.max(options.requestTimeoutMs, options.headersTimeoutMs),
        headersTimeout: options.headersTimeoutMs,
        // How often Node looks for expired header/request timeouts (its default, 30 s, would make short timeouts late).
        connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(options.headersTimeoutMs / 4))),
        keepAliveTimeout: 5_000,
        maxHeaderSize: 16 * 1024,
      }, (request, response) => {
      resolveClientAddress(request, trustedProxies);
      void onRequest(request, response);
    });
    server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    const onUpgrade = createUpgradeHandler({
        tokens: credentials.tokens,
        environments,
        hub,
        broker,
        events,
        processes,
        metrics,
        logger,
        limits: options,
        originPolicy,
        audit,
        addresses,
        maxAppConnectionsPerTenant: options.maxAppConnectionsPerTenant,
        isShuttingDown: () => shuttingDown,
      });
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      resolveClientAddress(request, trustedProxies);
      onUpgrade(request, socket, head);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: NodeJS.ErrnoException) => {
      audit.close();
      void auditForwarder.close();
      if (error.code === 'EADDRINUSE') throw new CodeboltError('invalid-config', `port ${options.port} on ${options.host} is already in use; pass --port 0 for any free port, or stop what holds it`, { cause: error });
      throw error;
    });
    const port = (server.address() as AddressInfo).port;
    const host = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
    const url = `http://${host}:${port}`;
    const localHost = isLoopback(options.host) ? host : '127.0.0.1';
    const wsBase = options.publicUrl ? options.publicUrl.replace(/\/$/, '') : `ws://${localHost}:${port}`;
    urls.runtime = `${wsBase}/v1/runtime`;
    urls.provider = `ws://${localHost}:${port}/v1/provider`;
    await writeFileAtomic(join(dataDir, 'relay.json'), `${JSON.stringify({ url, pid: process.pid, version: RELAY_VERSION })}\n`, 0o600);
    logger.info('relay listening', { url, dataDir, providers: registry.list().map((definition) => definition.name) });
    await reapStaleProviders(dataDir, logger);
    leases.start();
    await environments.reconcileOnBoot();
    reconciler.start();
    // Ready once the boot reconcile's queued work (reattach, finish stop/delete) has run.
    void environments.idle().then(() => readiness.markReconciled());

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        shuttingDown = true;
        readiness.markShuttingDown();
        const notice = envelope('reconnect', { data: { retryAfterMs: options.reconnectAfterMs } });
        broker.broadcast(notice);
        hub.broadcast(notice);
        supervisor.close();
        leases.close();
        reconciler.stop();
        await environments.shutdown(options.shutdownTimeoutMs);
        broker.close(undefined, 1001, 'relay shutting down');
        events.closeAll(1001, 'relay shutting down');
        hub.closeAll(1001, 'relay shutting down');
        await processes.releaseAll();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await rm(join(dataDir, 'relay.json'), { force: true });
        await saveStreams(dataDir, streams).catch((error) => logger.error('could not save the streams; apps that resume will get a gap', { error }));
        streams.dispose();
        audit.close();
        await auditForwarder.close();
        await lock.release();
        logger.info('relay stopped');
      })());

    return {
      url,
      port,
      dataDir,
      adminTokenPath: credentials.adminTokenPath,
      firstBoot: credentials.firstBoot,
      providers: registry.list().map((definition) => definition.name),
      close,
    };
  }
}
