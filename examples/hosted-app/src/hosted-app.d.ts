import type { RelayOptions, Relay } from '@codebolt/relay';

export declare const TENANT_TOKEN_TTL_SECONDS: number;

export interface HostedAppOptions {
  port?: number;
  host?: string;
  dataDir: string;
  usersFile?: string;
  pageFile?: string;
  relayPort?: number;
  relayOptions?: Partial<RelayOptions>;
}

export interface HostedApp {
  readonly url: string;
  readonly relayUrl: string;
  readonly relay: Relay;
  restartRelay(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the backend and its embedded relay; see hosted-app.js. */
export declare function startHostedApp(options: HostedAppOptions): Promise<HostedApp>;
