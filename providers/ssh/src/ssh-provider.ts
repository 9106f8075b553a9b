import { readFile } from 'node:fs/promises';
import { CodeboltError, isErrorCode } from '@codebolt/protocol';
import {
  BaseProvider,
  parseProviderConfig,
  type AttachResult,
  type CreateResult,
  type HealthResult,
  type ListedResource,
  type ProviderContext,
  type ResourceContext,
  type StartContext,
} from '@codebolt/provider';
import type { z } from 'zod';
import packageJson from '../package.json' with { type: 'json' };
import { parseHostKey } from './host-key.js';
import {
  controlResponseSchema,
  emptyResultSchema,
  launchResultSchema,
  listResultSchema,
  pingResultSchema,
  remotePathSchema,
  SAFE_SEGMENT,
  statusResultSchema,
  type ControlRequest,
} from './remote/control-protocol.js';
import { ensureRemotePrograms, remoteHome } from './remote-programs.js';
import { formatResourceId, installationDir, parseResourceId, type SshResource } from './resource-id.js';
import { DEFAULT_WORKDIR_NAME, sshConfigSchema, type ResolvedSshConfig, type SshConfig } from './ssh-config.js';
import { describeTarget, SshSession, type SshTarget } from './ssh-session.js';
import { shellCommand } from './shell-quote.js';

/** Default wait for a runtime to exit after SIGTERM (and again after SIGKILL), in ms. */
export const DEFAULT_STOP_TIMEOUT_MS = 5_000;

export interface SshProviderSettings {
  /**
   * This relay's installation id (env `CODEBOLT_INSTALLATION_ID`): environment dirs live under
   * `<workdir>/installations/<installationId>/`, and `list` reads only that dir, so relays
   * sharing a host never see each other's resources.
   */
  installationId: string;
  /** The provider's environment, for `SSH_AUTH_SOCK`. Default `process.env`. */
  environment?: NodeJS.ProcessEnv;
  /** How long a stop waits for the runtime after SIGTERM (and after SIGKILL), in ms. Default 5000. */
  stopTimeoutMs?: number;
  /** How long connecting and logging in may take, in ms. Default 20000. */
  readyTimeoutMs?: number;
}

/** One logged-in host with the control program in place. */
interface Host {
  session: SshSession;
  /** The resolved workdir on the host. */
  workdir: string;
  /** Runs one control request; resolves with its answer's data parsed by `schema`, or throws its error. */
  control<S extends z.ZodType>(request: ControlRequest, schema: S, signal: AbortSignal): Promise<z.output<S>>;
}

/**
 * The runtime as a detached process on a remote host, over SSH (ssh2): key or agent login, the
 * host key pinned (`hostKey`; any other key is refused before a credential is offered). The
 * provider uploads the runtime and a small control program over SFTP to
 * `<workdir>/bin/<hash>/`, and runs the control program (`node control.mjs`, the request on its
 * stdin, so the runtime token is never in a command line) to launch, check, stop and remove
 * runtimes. resourceId = `ssh://user@host:port<workdir>/installations/<installation>/<envId>`;
 * the running process is identified by pid + start time in that dir's runtime.json.
 * stop ends the runtime and keeps the workspace; destroy removes the environment dir.
 */
export class SshProvider extends BaseProvider<SshConfig> {
  readonly name = 'ssh';
  readonly version: string = packageJson.version;
  private readonly installationId: string;
  private readonly environment: NodeJS.ProcessEnv;
  private readonly stopTimeoutMs: number;
  private readonly readyTimeoutMs: number | undefined;

  /** Throws `invalid-config` for a malformed installation id or a non-positive timeout. Does no I/O. */
  constructor(settings: SshProviderSettings) {
    super();
    if (!SAFE_SEGMENT.test(settings.installationId)) {
      throw new CodeboltError('invalid-config', `the installation id must be 1-200 letters, digits, "_", "." or "-" (CODEBOLT_INSTALLATION_ID), got "${settings.installationId.slice(0, 80)}"`);
    }
    const stopTimeoutMs = settings.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    if (!Number.isInteger(stopTimeoutMs) || stopTimeoutMs <= 0) throw new CodeboltError('invalid-config', `stopTimeoutMs must be a positive integer of milliseconds, got ${stopTimeoutMs}`);
    this.installationId = settings.installationId;
    this.environment = settings.environment ?? process.env;
    this.stopTimeoutMs = stopTimeoutMs;
    this.readyTimeoutMs = settings.readyTimeoutMs;
  }

  /** Makes the environment dir on the host (or finds the one an earlier attempt with the same creation token made) and launches the runtime. */
  async create(context: StartContext<SshConfig>): Promise<CreateResult> {
    const config = this.parse(context.config);
    const environmentId = context.environment.id;
    if (!SAFE_SEGMENT.test(environmentId)) {
      throw new CodeboltError('bad-request', `environment id "${environmentId.slice(0, 200)}" cannot name a directory; ids use letters, digits, ".", "_" and "-"`);
    }
    return this.withHost(config, context.signal, async (host) => {
      const envDir = `${installationDir(host.workdir, this.installationId)}/${environmentId}`;
      await host.control(this.launchRequest('create', envDir, environmentId, context, config), launchResultSchema, context.signal);
      return { resourceId: formatResourceId({ user: config.user, host: config.host, port: config.port, envDir }) };
    });
  }

  /** Launches a runtime with the new token in the existing workspace; `resource-gone` when it is missing on the host. */
  async start(resourceId: string, context: StartContext<SshConfig>): Promise<void> {
    const config = this.parse(context.config);
    const resource = this.resourceOn(resourceId, config);
    await this.withHost(config, context.signal, (host) =>
      host.control(this.launchRequest('start', resource.envDir, resource.environmentId, context, config), launchResultSchema, context.signal),
    );
  }

  /** `running` while the recorded process (pid + start time) lives, `stopped` with the workspace but no such process, `gone` without the workspace. Throws when the host cannot be reached. */
  async attach(resourceId: string, context: ResourceContext<SshConfig>): Promise<AttachResult> {
    const config = this.parse(context.config);
    const resource = this.resourceOn(resourceId, config);
    return this.withHost(config, context.signal, (host) =>
      host.control({ command: 'status', envDir: resource.envDir, installationId: this.installationId }, statusResultSchema, context.signal),
    );
  }

  /** Ends the runtime (SIGTERM, then SIGKILL to its process group); keeps the workspace. */
  async stop(resourceId: string, context: ResourceContext<SshConfig>): Promise<void> {
    const config = this.parse(context.config);
    const resource = this.resourceOn(resourceId, config);
    await this.withHost(config, context.signal, (host) =>
      host.control({ command: 'stop', envDir: resource.envDir, installationId: this.installationId, stopTimeoutMs: this.stopTimeoutMs }, emptyResultSchema, context.signal),
    );
  }

  /** Stops the runtime and removes the environment dir (workspace, state, log). Already gone is success. */
  async destroy(resourceId: string, context: ResourceContext<SshConfig>): Promise<void> {
    const config = this.parse(context.config);
    const resource = this.resourceOn(resourceId, config);
    await this.withHost(config, context.signal, (host) =>
      host.control({ command: 'destroy', envDir: resource.envDir, installationId: this.installationId, stopTimeoutMs: this.stopTimeoutMs }, emptyResultSchema, context.signal),
    );
  }

  /** Every environment dir of this installation on the configured host, read from `<workdir>/installations/<installationId>/*\/resource.json`. */
  async list(context: ProviderContext<SshConfig>): Promise<ListedResource[]> {
    const config = this.parse(context.config);
    return this.withHost(config, context.signal, async (host) => {
      const { resources } = await host.control(
        { command: 'list', installationDir: installationDir(host.workdir, this.installationId), installationId: this.installationId },
        listResultSchema,
        context.signal,
      );
      return resources.map(({ envDir, environmentId, status }) => ({
        resourceId: formatResourceId({ user: config.user, host: config.host, port: config.port, envDir }),
        environmentId,
        status,
      }));
    });
  }

  /** Logs in, uploads the programs if needed, and runs the control program's ping (which checks the remote Node version). */
  override async health(context: ProviderContext<SshConfig>): Promise<HealthResult> {
    try {
      const config = this.parse(context.config);
      const { node, platform } = await this.withHost(config, context.signal, (host) => host.control({ command: 'ping' }, pingResultSchema, context.signal));
      return { ok: true, message: `node ${node} on ${platform}` };
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  }

  private parse(config: unknown): ResolvedSshConfig {
    return parseProviderConfig(sshConfigSchema, config, this.name);
  }

  private launchRequest(mode: 'create' | 'start', envDir: string, environmentId: string, context: StartContext<SshConfig>, config: ResolvedSshConfig): ControlRequest {
    return {
      command: 'launch',
      mode,
      envDir,
      installationId: this.installationId,
      environmentId,
      creationToken: context.creationToken,
      runtime: context.runtime,
      env: config.env,
      secretEnv: config.secretEnv,
      stopTimeoutMs: this.stopTimeoutMs,
    };
  }

  /** Parses the resource id and checks that it is on the configured host (user, host, port). */
  private resourceOn(resourceId: string, config: ResolvedSshConfig): SshResource {
    const resource = parseResourceId(resourceId, this.installationId);
    if (resource.host !== config.host || resource.port !== config.port || resource.user !== config.user) {
      throw new CodeboltError(
        'invalid-config',
        `invalid config for provider "ssh": host: the resource is on ${describeTarget(resource)}, but the config now names ${describeTarget(config)}; set host, port and user back to the resource's, or delete the environment`,
      );
    }
    return resource;
  }

  /** Logs in to the configured host, resolves the workdir, puts the programs in place, runs `body`, and logs out. */
  private async withHost<T>(config: ResolvedSshConfig, signal: AbortSignal, body: (host: Host) => Promise<T>): Promise<T> {
    const session = await SshSession.open(await this.target(config), signal);
    try {
      const sftp = await session.sftp();
      const workdir = config.workdir ?? (await this.defaultWorkdir(await remoteHome(sftp)));
      const controlPath = await ensureRemotePrograms(sftp, workdir);
      const command = shellCommand([config.nodePath ?? 'node', controlPath]);
      const where = describeTarget(config);
      const control: Host['control'] = async (request, schema, requestSignal) => {
        const result = await session.exec(command, JSON.stringify(request), requestSignal);
        if (result.code === 127) {
          throw new CodeboltError('provider-error', `${where} has no ${config.nodePath ?? 'node'} (exit 127): install Node 20 or newer on the host, or set nodePath to its absolute path`);
        }
        const lastLine = result.stdout.trim().split('\n').at(-1) ?? '';
        let answer;
        try {
          answer = controlResponseSchema.parse(JSON.parse(lastLine));
        } catch {
          const why = result.stderr.trim().split('\n').slice(-3).join(' / ') || `exit code ${result.code ?? result.signal}`;
          throw new CodeboltError('provider-error', `the control program on ${where} failed: ${why.slice(0, 600)}; check that ${config.nodePath ?? 'node'} there is Node 20 or newer`);
        }
        if (!answer.ok) throw new CodeboltError(isErrorCode(answer.code) ? answer.code : 'provider-error', `${where}: ${answer.message}`);
        return schema.parse(answer.data);
      };
      return await body({ session, workdir, control });
    } finally {
      session.close();
    }
  }

  private async defaultWorkdir(home: string): Promise<string> {
    const workdir = `${home.replace(/\/+$/, '')}/${DEFAULT_WORKDIR_NAME}`;
    if (!remotePathSchema.safeParse(workdir).success) {
      throw new CodeboltError('invalid-config', `invalid config for provider "ssh": workdir: the remote home ${JSON.stringify(home.slice(0, 200))} cannot hold the default workdir; set workdir to a plain absolute path`);
    }
    return workdir;
  }

  /** The login: the pinned host key, then the private key file, else the agent. */
  private async target(config: ResolvedSshConfig): Promise<SshTarget> {
    const hostKey = config.hostKey === undefined ? undefined : parseHostKey(config.hostKey);
    let privateKey: Buffer | undefined;
    if (config.privateKeyPath !== undefined) {
      try {
        privateKey = await readFile(config.privateKeyPath);
      } catch (error) {
        throw new CodeboltError(
          'invalid-config',
          `invalid config for provider "ssh": privateKeyPath: cannot read ${config.privateKeyPath} (${(error as NodeJS.ErrnoException).code ?? 'error'}); point it at a private key the relay's user can read`,
          { cause: error },
        );
      }
    }
    const agent = this.environment.SSH_AUTH_SOCK || undefined;
    if (privateKey === undefined && agent === undefined) {
      throw new CodeboltError('invalid-config', 'invalid config for provider "ssh": privateKeyPath: no private key and no SSH agent; set --config privateKeyPath=/path/to/key, or run the relay with SSH_AUTH_SOCK pointing at an agent that holds the key');
    }
    return { host: config.host, port: config.port, user: config.user, privateKey, passphrase: config.passphrase, agent, hostKey, readyTimeoutMs: this.readyTimeoutMs };
  }
}
