import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the gauges read at scrape time. */
export interface MetricSources {
  /** One entry per environment record: its state and provider name. */
  environments(): Iterable<{ state: string; provider: string }>;
  appConnections(): number;
  /** Open dashboard/event-stream connections (`/v1/events`). */
  eventConnections(): number;
  runtimeConnections(): number;
  providerProcesses(): number;
}

/**
 * Prometheus metrics of one relay (its own registry, so several relays in one process don't mix).
 * Served at `GET /metrics` (operator token). Counters are public so other modules increment them:
 * `reconcileActions.inc({ action })` for every reconcile decision, `providerRestarts.inc({ provider })`
 * whenever a provider process is spawned again for an environment that already had one.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({ name: 'codebolt_http_requests_total', help: 'HTTP requests by method and status', labelNames: ['method', 'status'], registers: [this.registry] });
  readonly upgradesRefused = new Counter({ name: 'codebolt_ws_upgrades_refused_total', help: 'WebSocket upgrades refused, by endpoint and code', labelNames: ['endpoint', 'code'], registers: [this.registry] });
  /** Seconds per HTTP request, by method and route pattern (`/v1/environments/:id`, never a raw path). */
  readonly requestDuration = new Histogram({
    name: 'codebolt_http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  /** WebSocket frames received on brokered connections, by who sent them (`app` or `runtime`). */
  readonly framesRelayed = new Counter({ name: 'codebolt_relayed_frames_total', help: 'Frames received on brokered app and runtime connections, by sender', labelNames: ['from'], registers: [this.registry] });
  /** Payload bytes of those frames. */
  readonly bytesRelayed = new Counter({ name: 'codebolt_relayed_bytes_total', help: 'Payload bytes received on brokered app and runtime connections, by sender', labelNames: ['from'], registers: [this.registry] });
  /** Provider processes spawned again for an environment whose previous process had exited. */
  readonly providerRestarts = new Counter({ name: 'codebolt_provider_restarts_total', help: 'Provider processes respawned for an environment, by provider', labelNames: ['provider'], registers: [this.registry] });
  /** Reconcile decisions (`reattach`, `stop`, `delete`, …): increment from wherever a reconcile acts. */
  readonly reconcileActions = new Counter({ name: 'codebolt_reconcile_actions_total', help: 'Reconcile actions taken, by action', labelNames: ['action'], registers: [this.registry] });

  constructor(sources: MetricSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'codebolt_process_' });
    new Gauge({
      name: 'codebolt_environments',
      help: 'Environments by state and provider',
      labelNames: ['state', 'provider'],
      registers: [this.registry],
      collect() {
        this.reset();
        const counts = new Map<string, { state: string; provider: string; count: number }>();
        for (const { state, provider } of sources.environments()) {
          const key = `${state}\0${provider}`;
          const entry = counts.get(key) ?? { state, provider, count: 0 };
          entry.count += 1;
          counts.set(key, entry);
        }
        for (const { state, provider, count } of counts.values()) this.set({ state, provider }, count);
      },
    });
    new Gauge({
      name: 'codebolt_connections',
      help: 'Open WebSocket connections by kind (app, events, runtime, provider)',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        this.set({ kind: 'app' }, sources.appConnections());
        this.set({ kind: 'events' }, sources.eventConnections());
        this.set({ kind: 'runtime' }, sources.runtimeConnections());
        this.set({ kind: 'provider' }, sources.providerProcesses());
      },
    });
    new Gauge({ name: 'codebolt_app_connections', help: 'Open app connections', registers: [this.registry], collect() { this.set(sources.appConnections()); } });
    new Gauge({ name: 'codebolt_runtime_connections', help: 'Connected runtimes', registers: [this.registry], collect() { this.set(sources.runtimeConnections()); } });
    new Gauge({ name: 'codebolt_provider_processes', help: 'Running provider processes', registers: [this.registry], collect() { this.set(sources.providerProcesses()); } });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
