import { CodeboltError } from '@codebolt/protocol';
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
import type Docker from 'dockerode';
import packageJson from '../package.json' with { type: 'json' };
import { bindMount, dockerConfigSchema, memoryBytes, type DockerConfig, type ResolvedDockerConfig } from './docker-config.js';
import { engineAddress, engineClient, engineError, statusOf } from './docker-engine.js';
import { LABELS, objectName } from './docker-labels.js';
import { ensureRuntimeImage } from './runtime-image.js';
import { RUNTIME_STATE_DIR, RUNTIME_START, VOLUME_ROOT, WORKSPACE, runtimeArchive } from './runtime-files.js';

/** How long `docker stop` waits after SIGTERM before SIGKILL, in seconds. */
const STOP_TIMEOUT_SECONDS = 5;
/** Keeps the container alive between runtimes; exits at once on SIGTERM (docker stop). */
const KEEPER_SCRIPT = "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30);";

export interface DockerProviderSettings {
  /**
   * This relay's installation id (env `CODEBOLT_INSTALLATION_ID`): every container and volume is
   * labelled with it, and `list` returns only those, so relays sharing an engine never see each
   * other's resources.
   */
  installationId: string;
  /** The provider's environment, for `DOCKER_HOST`. Default `process.env`. */
  environment?: NodeJS.ProcessEnv;
}

/**
 * One container per environment, labelled with the installation id, environment id and creation
 * token; resourceId = the container id. The workspace (`/codebolt/workspace`) and the runtime's
 * state live in a named volume, so they survive stop/start. The container's main process only
 * keeps it alive; the runtime runs beside it through `docker exec`, with its URL and token in the
 * exec's environment (never argv), so every start hands the runtime a fresh token.
 * stop = `docker stop` (container kept), start = `docker start` + a new runtime, destroy =
 * remove the container and its volume.
 */
export class DockerProvider extends BaseProvider<DockerConfig> {
  readonly name = 'docker';
  readonly version: string = packageJson.version;
  private readonly installationId: string;
  private readonly environment: NodeJS.ProcessEnv;

  /** Throws `invalid-config` for an empty installation id. Does no I/O. */
  constructor(settings: DockerProviderSettings) {
    super();
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(settings.installationId)) {
      throw new CodeboltError('invalid-config', `the installation id must be 1-64 letters, digits, "_", "." or "-" (CODEBOLT_INSTALLATION_ID), got "${settings.installationId.slice(0, 80)}"`);
    }
    this.installationId = settings.installationId;
    this.environment = settings.environment ?? process.env;
  }

  /** Makes the volume and the container (or finds the ones an earlier attempt with the same creation token made) and launches the runtime. */
  async create(context: StartContext<DockerConfig>): Promise<CreateResult> {
    const config = this.parse(context.config);
    const { docker, address } = this.engine(config);
    const name = objectName(this.installationId, context.environment.id);
    const labels = {
      [LABELS.managed]: 'codebolt',
      [LABELS.installation]: this.installationId,
      [LABELS.environment]: context.environment.id,
      [LABELS.creationToken]: context.creationToken,
    };
    try {
      const earlier = await docker.listContainers({ all: true, filters: { label: [`${LABELS.installation}=${this.installationId}`, `${LABELS.creationToken}=${context.creationToken}`] } });
      let id = earlier[0]?.Id;
      // An earlier attempt may have died between making the container and copying the runtime in: copy it again.
      if (id !== undefined) await docker.getContainer(id).putArchive(await runtimeArchive(), { path: '/' });
      if (id === undefined) {
        const image = config.image ?? (await ensureRuntimeImage(docker));
        await this.checkImage(docker, image);
        await docker.createVolume({ Name: name, Labels: labels });
        const container = await docker.createContainer({
          name,
          Image: image,
          Cmd: ['node', '-e', KEEPER_SCRIPT],
          Env: ['PATH=/usr/local/bin:/usr/bin:/bin'],
          WorkingDir: '/',
          Labels: labels,
          HostConfig: {
            NetworkMode: config.network,
            Mounts: [{ Type: 'volume', Source: name, Target: VOLUME_ROOT }, ...config.mounts.map(bindMount)],
            ...(config.memory !== undefined ? { Memory: memoryBytes(config.memory) } : {}),
            ...(config.cpus !== undefined ? { NanoCpus: Math.round(config.cpus * 1e9) } : {}),
            ...(config.pids !== undefined ? { PidsLimit: config.pids } : {}),
          },
        });
        try {
          await container.putArchive(await runtimeArchive(), { path: '/' });
        } catch (error) {
          await container.remove({ force: true }).catch(() => {});
          await docker.getVolume(name).remove().catch(() => {});
          throw error;
        }
        id = container.id;
      }
      await this.launch(docker, id, config, context);
      return { resourceId: id };
    } catch (error) {
      throw engineError(error, address, `create the container of environment ${context.environment.id}`);
    }
  }

  /** `docker start` (if stopped) and a new runtime with the new token; `resource-gone` when the container no longer exists. */
  async start(resourceId: string, context: StartContext<DockerConfig>): Promise<void> {
    const config = this.parse(context.config);
    const { docker, address } = this.engine(config);
    try {
      await this.launch(docker, resourceId, config, context);
    } catch (error) {
      if (statusOf(error) === 404) {
        throw new CodeboltError('resource-gone', `container ${resourceId.slice(0, 12)} no longer exists; delete the environment (codebolt env delete ${context.environment.id}) and create it again`);
      }
      throw engineError(error, address, `start container ${resourceId.slice(0, 12)}`);
    }
  }

  async attach(resourceId: string, context: ResourceContext<DockerConfig>): Promise<AttachResult> {
    const { docker, address } = this.engine(this.parse(context.config));
    try {
      return await this.statusOf(docker, resourceId);
    } catch (error) {
      throw engineError(error, address, `inspect container ${resourceId.slice(0, 12)}`);
    }
  }

  /** `docker stop`: the runtime ends with the container; the container and its volume stay. */
  async stop(resourceId: string, context: ResourceContext<DockerConfig>): Promise<void> {
    const { docker, address } = this.engine(this.parse(context.config));
    try {
      await docker.getContainer(resourceId).stop({ t: STOP_TIMEOUT_SECONDS });
    } catch (error) {
      if (statusOf(error) === 304) return;
      if (statusOf(error) === 404) throw new CodeboltError('resource-gone', `container ${resourceId.slice(0, 12)} no longer exists`);
      throw engineError(error, address, `stop container ${resourceId.slice(0, 12)}`);
    }
  }

  /** Removes the container (forced) and its volume; succeeds when they are already gone. */
  async destroy(resourceId: string, context: ResourceContext<DockerConfig>): Promise<void> {
    const { docker, address } = this.engine(this.parse(context.config));
    try {
      let volume = objectName(this.installationId, context.environment.id);
      try {
        const info = await docker.getContainer(resourceId).inspect();
        volume = info.Mounts.find((mount) => mount.Destination === VOLUME_ROOT)?.Name ?? volume;
        await docker.getContainer(resourceId).remove({ force: true });
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
      try {
        const info = await docker.getVolume(volume).inspect();
        if (info.Labels?.[LABELS.installation] === this.installationId) await docker.getVolume(volume).remove();
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    } catch (error) {
      throw engineError(error, address, `remove container ${resourceId.slice(0, 12)} and its volume`);
    }
  }

  /** Every container labelled with this installation id. */
  async list(context: ProviderContext<DockerConfig>): Promise<ListedResource[]> {
    const { docker, address } = this.engine(this.parse(context.config));
    try {
      const containers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.installation}=${this.installationId}`] } });
      const resources: ListedResource[] = [];
      for (const container of containers) {
        const { status } = await this.statusOf(docker, container.Id);
        if (status === 'gone') continue;
        const environmentId = container.Labels[LABELS.environment];
        resources.push(environmentId === undefined ? { resourceId: container.Id, status } : { resourceId: container.Id, environmentId, status });
      }
      return resources;
    } catch (error) {
      throw engineError(error, address, 'list containers');
    }
  }

  /** Pings the engine. */
  override async health(context: ProviderContext<DockerConfig>): Promise<HealthResult> {
    const { docker, address } = this.engine(this.parse(context.config));
    try {
      await docker.ping();
      return { ok: true };
    } catch (error) {
      return { ok: false, message: engineError(error, address, 'answer a ping').message };
    }
  }

  private parse(config: unknown): ResolvedDockerConfig {
    return parseProviderConfig(dockerConfigSchema, config, this.name);
  }

  private engine(config: ResolvedDockerConfig): { docker: Docker; address: string } {
    const address = engineAddress(config.host, this.environment);
    return { docker: engineClient(address), address };
  }

  private async checkImage(docker: Docker, image: string): Promise<void> {
    try {
      await docker.getImage(image).inspect();
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      throw new CodeboltError(
        'invalid-config',
        `invalid config for provider "docker": image: "${image}" is not on the Docker engine; load it there (docker pull / docker load / docker build), or leave image unset to use the runtime image the provider builds`,
      );
    }
  }

  /** `running` when the container runs and a runtime exec in it runs; `stopped` when it exists otherwise; `gone` when it does not. */
  private async statusOf(docker: Docker, resourceId: string): Promise<AttachResult> {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await docker.getContainer(resourceId).inspect();
    } catch (error) {
      if (statusOf(error) === 404) return { status: 'gone', detail: `container ${resourceId.slice(0, 12)} does not exist` };
      throw error;
    }
    if (info.Config.Labels?.[LABELS.installation] !== this.installationId) {
      return { status: 'gone', detail: `container ${resourceId.slice(0, 12)} belongs to another installation` };
    }
    if (!info.State.Running) return { status: 'stopped', detail: `container ${info.State.Status}` };
    return (await this.runtimeExecRunning(docker, info)) ? { status: 'running', detail: `container ${info.Name.slice(1)} running` } : { status: 'stopped', detail: 'container running without a runtime' };
  }

  private async runtimeExecRunning(docker: Docker, info: Docker.ContainerInspectInfo): Promise<boolean> {
    for (const execId of info.ExecIDs ?? []) {
      const exec = await docker
        .getExec(execId)
        .inspect()
        .catch(() => undefined);
      if (exec?.Running && exec.ProcessConfig.arguments.includes(RUNTIME_START)) return true;
    }
    return false;
  }

  /** Starts the container if needed, ends a runtime already in it, and runs a new one with `context.runtime`. */
  private async launch(docker: Docker, resourceId: string, config: ResolvedDockerConfig, context: StartContext<DockerConfig>): Promise<void> {
    const container = docker.getContainer(resourceId);
    let info = await container.inspect();
    if (info.State.Running && (await this.runtimeExecRunning(docker, info))) {
      await container.stop({ t: STOP_TIMEOUT_SECONDS });
      info = await container.inspect();
    }
    if (!info.State.Running) await container.start();
    const env = {
      ...config.env,
      ...config.secretEnv,
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: WORKSPACE,
      CODEBOLT_RUNTIME_URL: context.runtime.url,
      CODEBOLT_RUNTIME_TOKEN: context.runtime.token,
      CODEBOLT_WORKSPACE: WORKSPACE,
      CODEBOLT_RUNTIME_STATE_DIR: RUNTIME_STATE_DIR,
    };
    const exec = await container.exec({
      Cmd: ['node', RUNTIME_START],
      Env: Object.entries(env).map(([name, value]) => `${name}=${value}`),
      AttachStdout: false,
      AttachStderr: false,
    });
    await exec.start({ Detach: true });
  }
}
