import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one relay (its own registry, so several relays in one process don't mix). */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({ name: 'codebolt_http_requests_total', help: 'HTTP requests by method and status', labelNames: ['method', 'status'], registers: [this.registry] });
  readonly upgradesRefused = new Counter({ name: 'codebolt_ws_upgrades_refused_total', help: 'WebSocket upgrades refused, by endpoint and code', labelNames: ['endpoint', 'code'], registers: [this.registry] });

  constructor(sources: { environmentsByState(): Record<string, number>; appConnections(): number; runtimeConnections(): number; providerProcesses(): number }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'codebolt_process_' });
    new Gauge({
      name: 'codebolt_environments',
      help: 'Environments by state',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [state, count] of Object.entries(sources.environmentsByState())) this.set({ state }, count);
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
