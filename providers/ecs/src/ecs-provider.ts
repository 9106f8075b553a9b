import { join } from 'node:path';
import {
  DescribeTasksCommand,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type ECSClient,
  type Task,
} from '@aws-sdk/client-ecs';
import { CodeboltError, type ListedResource } from '@codebolt/protocol';
import {
  BaseProvider,
  parseProviderConfig,
  type AttachResult,
  type CreateResult,
  type HealthResult,
  type ProviderContext,
  type ResourceContext,
  type StartContext,
} from '@codebolt/provider';
import packageJson from '../package.json' with { type: 'json' };
import { EcsClients, resolvedRegion } from './ecs-client.js';
import { ecsConfigSchema, type EcsConfig, type ResolvedEcsConfig } from './ecs-config.js';
import { ecsError } from './ecs-errors.js';
import { STOP_REASONS, TAGS, clientTokenFor, digest, startedByFor, tagValue } from './ecs-ownership.js';
import { runTaskInput } from './run-task-input.js';
import { StoppedTaskMarkers } from './stopped-task-markers.js';
import { missingStatus, taskId, taskStatus } from './task-status.js';

/** DescribeTasks takes at most 100 tasks per call. */
const DESCRIBE_BATCH = 100;
/** First and largest delay between DescribeTasks polls while waiting for STOPPED, in milliseconds. */
const POLL_FIRST_MS = 250;
const POLL_MAX_MS = 5_000;

export interface EcsProviderSettings {
  /**
   * This relay's installation id (env `CODEBOLT_INSTALLATION_ID`): every task is tagged with it
   * and started with a `startedBy` derived from it, and `list` returns only those tasks.
   */
  installationId: string;
  /**
   * The relay's data dir (env `CODEBOLT_HOME`). The provider remembers there which tasks the
   * relay stopped (`ecs/stopped-tasks/`), so a stopped environment can still start after ECS has
   * forgotten its task (about an hour after it stopped). Without it, such an environment is `gone`.
   */
  home?: string;
}

/**
 * One ECS task per environment; resourceId = the task ARN. `create` = `RunTask` with the
 * configured cluster, task definition, launch type and awsvpc network, tagged with the
 * installation id, environment id and creation token, `startedBy` derived from the installation
 * id, and a `clientToken` derived from the creation token (a retried create never starts a
 * second task). The runtime's connect-back URL and token reach the configured container as
 * environment overrides. ECS cannot pause a task: `stop` = `StopTask` (only the relay's record
 * stays; the task's filesystem is gone), `start` = a new `RunTask` whose ARN replaces the old
 * one, `destroy` = `StopTask`. A task that stops on its own is `gone`, with ECS's stop reason.
 * The tasks the relay stopped are remembered in the data dir, so an environment stopped longer
 * ago than ECS keeps stopped tasks (about an hour) still starts.
 */
export class EcsProvider extends BaseProvider<EcsConfig> {
  readonly name = 'ecs';
  readonly version: string = packageJson.version;
  private readonly installationId: string;
  private readonly startedBy: string;
  /** One SDK client per connection settings, so credentials (SSO, assumed roles) are resolved once and cached by the SDK. */
  private readonly clients = new EcsClients();
  private readonly stoppedTasks: StoppedTaskMarkers;

  /** Throws `invalid-config` for a malformed installation id. Does no I/O. */
  constructor(settings: EcsProviderSettings) {
    super();
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(settings.installationId)) {
      throw new CodeboltError('invalid-config', `the installation id must be 1-64 letters, digits, "_", "." or "-" (CODEBOLT_INSTALLATION_ID), got "${settings.installationId.slice(0, 80)}"`);
    }
    this.installationId = settings.installationId;
    this.startedBy = startedByFor(settings.installationId);
    this.stoppedTasks = new StoppedTaskMarkers(settings.home === undefined ? undefined : join(settings.home, 'ecs', 'stopped-tasks'));
  }

  /**
   * RunTask with a clientToken derived from the creation token and the runtime token, so the
   * SDK's own retries (after a timeout that lost ECS's answer) return the task the first attempt
   * started. A create the relay retries (after a crash) carries the same creation token but a
   * fresh runtime token: see `replaceEarlierTasks`. Never two tasks for one environment.
   */
  async create(context: StartContext<EcsConfig>): Promise<CreateResult> {
    const config = this.parse(context.config);
    const kept = await this.replaceEarlierTasks(config, context);
    if (kept) return { resourceId: kept };
    const clientToken = clientTokenFor(this.installationId, context.environment.id, context.creationToken, digest(context.runtime.token));
    const task = await this.runTask(config, context, clientToken, 'create');
    return { resourceId: task.taskArn! };
  }

  /**
   * Runs a new task for an environment whose task was stopped; its ARN replaces `resourceId` in
   * the relay's record. A start the relay retries after losing the answer finds the task the
   * first attempt started (see `replaceEarlierTasks`).
   */
  async start(resourceId: string, context: StartContext<EcsConfig>): Promise<CreateResult> {
    const config = this.parse(context.config);
    const kept = await this.replaceEarlierTasks(config, context);
    const taskArn = kept ?? (await this.runTask(config, context, clientTokenFor(this.installationId, context.environment.id, context.creationToken, 'start', resourceId, digest(context.runtime.token)), 'start')).taskArn!;
    await this.stoppedTasks.clear(resourceId);
    return { resourceId: taskArn };
  }

  /** DescribeTasks: `running`, `stopped` (we stopped it) or `gone` (deleted, stopped on its own, or forgotten by ECS). Throws on AWS failures. */
  async attach(resourceId: string, context: ResourceContext<EcsConfig>): Promise<AttachResult> {
    const config = this.parse(context.config);
    const client = this.clients.for(config);
    try {
      const answer = await client.send(new DescribeTasksCommand({ cluster: config.cluster, tasks: [resourceId], include: ['TAGS'] }), { abortSignal: context.signal });
      const task = answer.tasks?.find((candidate) => candidate.taskArn === resourceId || taskId(candidate.taskArn ?? '') === taskId(resourceId));
      if (task) {
        if (tag(task, TAGS.installation) !== tagValue(this.installationId)) return { status: 'gone', detail: `task ${taskId(resourceId)} belongs to another installation` };
        return taskStatus(task);
      }
      const failure = answer.failures?.[0];
      if (failure && failure.reason === 'MISSING') {
        if (await this.stoppedTasks.has(resourceId)) return { status: 'stopped', detail: `task ${taskId(resourceId)} was stopped by the relay and ECS has since forgotten it; start runs a new task` };
        return missingStatus(failure);
      }
      throw new CodeboltError('backend-unavailable', `ECS did not describe task ${taskId(resourceId)} (${failure?.reason ?? 'no task and no failure in the answer'}); the relay retries later`);
    } catch (error) {
      throw await this.failure(error, client, config, `describe task ${taskId(resourceId)}`);
    }
  }

  /** StopTask with the stop reason, then waits (up to `stopWaitMs`) for STOPPED. Nothing of the task is kept. */
  async stop(resourceId: string, context: ResourceContext<EcsConfig>): Promise<void> {
    const config = this.parse(context.config);
    await this.stoppedTasks.mark(resourceId, context.environment.id);
    try {
      await this.stopTask(config, resourceId, STOP_REASONS.stop, context.signal);
    } catch (error) {
      await this.stoppedTasks.clear(resourceId);
      throw error;
    }
  }

  /** StopTask with the delete reason, then waits for STOPPED. A task ECS no longer knows counts as destroyed. */
  async destroy(resourceId: string, context: ResourceContext<EcsConfig>): Promise<void> {
    const config = this.parse(context.config);
    await this.stopTask(config, resourceId, STOP_REASONS.destroy, context.signal);
    await this.stoppedTasks.clear(resourceId);
  }

  /** ListTasks by this installation's `startedBy` (desired RUNNING), then DescribeTasks with tags; only tasks tagged with this installation id. */
  async list(context: ProviderContext<EcsConfig>): Promise<ListedResource[]> {
    const config = this.parse(context.config);
    const resources: ListedResource[] = [];
    for (const task of await this.ownRunningTasks(config, context.signal)) {
      const { status } = taskStatus(task);
      if (status === 'gone') continue;
      const environmentId = tag(task, TAGS.environment);
      resources.push({ resourceId: task.taskArn!, status, ...(environmentId !== undefined ? { environmentId } : {}) });
    }
    return resources;
  }

  /** One ListTasks call: checks credentials, region, endpoint and cluster. */
  override async health(context: ProviderContext<EcsConfig>): Promise<HealthResult> {
    const config = this.parse(context.config);
    const client = this.clients.for(config);
    try {
      await client.send(new ListTasksCommand({ cluster: config.cluster, startedBy: this.startedBy, maxResults: 1 }), { abortSignal: context.signal });
      return { ok: true };
    } catch (error) {
      return { ok: false, message: (await this.failure(error, client, config, 'list tasks')).message };
    }
  }

  /** This installation's tasks whose desired status is RUNNING, described with their tags. */
  private async ownRunningTasks(config: ResolvedEcsConfig, signal: AbortSignal): Promise<Task[]> {
    const client = this.clients.for(config);
    try {
      const arns: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(new ListTasksCommand({ cluster: config.cluster, startedBy: this.startedBy, desiredStatus: 'RUNNING', ...(nextToken ? { nextToken } : {}) }), { abortSignal: signal });
        arns.push(...(page.taskArns ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      const tasks: Task[] = [];
      for (let index = 0; index < arns.length; index += DESCRIBE_BATCH) {
        const answer = await client.send(new DescribeTasksCommand({ cluster: config.cluster, tasks: arns.slice(index, index + DESCRIBE_BATCH), include: ['TAGS'] }), { abortSignal: signal });
        tasks.push(...(answer.tasks ?? []).filter((task) => tag(task, TAGS.installation) === tagValue(this.installationId)));
      }
      return tasks;
    } catch (error) {
      throw await this.failure(error, client, config, 'list tasks');
    }
  }

  /**
   * Before a RunTask for an environment: its tasks that still run were started by an earlier
   * create or start whose answer the relay lost (it crashed, or the request timed out). One that
   * carries this runtime token is the answer to this very request: its ARN is returned and nothing
   * new runs. Any other holds a token the relay no longer accepts and can never connect: it is
   * stopped (reason `codebolt: superseded by a retried create`). ListTasks is eventually
   * consistent, so a task started a moment ago may be missed.
   */
  private async replaceEarlierTasks(config: ResolvedEcsConfig, context: StartContext<EcsConfig>): Promise<string | undefined> {
    const earlier = (await this.ownRunningTasks(config, context.signal)).filter(
      (task) => tag(task, TAGS.environment) === tagValue(context.environment.id) && tag(task, TAGS.creationToken) === tagValue(context.creationToken),
    );
    let kept: string | undefined;
    for (const task of earlier) {
      if (kept === undefined && this.carriesToken(task, config, context.runtime.token)) kept = task.taskArn!;
      else await this.stopTask(config, task.taskArn!, STOP_REASONS.superseded, context.signal);
    }
    return kept;
  }

  private parse(config: unknown): ResolvedEcsConfig {
    const parsed = parseProviderConfig(ecsConfigSchema, config, this.name);
    if (parsed.launchType === 'FARGATE' && parsed.subnets.length === 0) {
      throw new CodeboltError('invalid-config', 'invalid config for provider "ecs": subnets: Fargate tasks need at least one subnet; set it with --config subnets=… (codebolt provider configure ecs)');
    }
    return parsed;
  }

  private async runTask(config: ResolvedEcsConfig, context: StartContext<EcsConfig>, clientToken: string, verb: 'create' | 'start'): Promise<Task> {
    const input = runTaskInput({ config, context, clientToken, startedBy: this.startedBy, installationId: this.installationId });
    const client = this.clients.for(config);
    const what = `run a task of ${config.taskDefinition} for environment ${context.environment.id} (${verb})`;
    try {
      const answer = await client.send(new RunTaskCommand(input), { abortSignal: context.signal });
      const task = answer.tasks?.[0];
      if (task?.taskArn) return task;
      const reasons = (answer.failures ?? []).map((failure) => `${failure.reason ?? 'unknown'}${failure.detail ? ` (${failure.detail})` : ''}`).join('; ') || 'no task and no failure in the answer';
      const capacity = /RESOURCE:|capacity|limit/i.test(reasons);
      throw new CodeboltError(
        capacity ? 'backend-quota-exceeded' : 'provider-error',
        capacity
          ? `ECS could not place the task of environment ${context.environment.id}: ${reasons}; add capacity to cluster "${config.cluster}" (container instances or a capacity provider), free some, or raise the account's quota`
          : `ECS did not start the task of environment ${context.environment.id}: ${reasons}`,
      );
    } catch (error) {
      throw await this.failure(error, client, config, what, [context.runtime.token, ...Object.values(config.secretEnv ?? {})]);
    }
  }

  /** StopTask, then polls DescribeTasks until the task is STOPPED or `stopWaitMs` passed (ECS finishes stopping it either way). */
  private async stopTask(config: ResolvedEcsConfig, resourceId: string, reason: string, signal: AbortSignal): Promise<void> {
    const client = this.clients.for(config);
    try {
      try {
        await client.send(new StopTaskCommand({ cluster: config.cluster, task: resourceId, reason }), { abortSignal: signal });
      } catch (error) {
        // A task ECS no longer knows is stopped already.
        if ((error as { name?: string }).name === 'InvalidParameterException' && /not found|does not exist|MISSING/i.test((error as Error).message)) return;
        throw error;
      }
      const deadline = Date.now() + config.stopWaitMs;
      for (let attempt = 0; Date.now() < deadline; attempt += 1) {
        const answer = await client.send(new DescribeTasksCommand({ cluster: config.cluster, tasks: [resourceId] }), { abortSignal: signal });
        const task = answer.tasks?.[0];
        if (!task || task.lastStatus === 'STOPPED') return;
        await delay(Math.min(POLL_MAX_MS, POLL_FIRST_MS * 2 ** attempt, Math.max(0, deadline - Date.now())), signal);
      }
      this.log('warn', `task ${taskId(resourceId)} is still stopping after ${config.stopWaitMs} ms; ECS finishes stopping it on its own`);
    } catch (error) {
      throw await this.failure(error, client, config, `stop task ${taskId(resourceId)}`);
    }
  }

  /** True when the task's override for the runtime container carries `token`. Compares in memory only; the token is never logged. */
  private carriesToken(task: Task, config: ResolvedEcsConfig, token: string): boolean {
    const override = task.overrides?.containerOverrides?.find((candidate) => candidate.name === config.containerName);
    return override?.environment?.find((variable) => variable.name === 'CODEBOLT_RUNTIME_TOKEN')?.value === token;
  }

  private async failure(error: unknown, client: ECSClient, config: ResolvedEcsConfig, what: string, secrets: string[] = []): Promise<CodeboltError> {
    return ecsError(error, { what, cluster: config.cluster, region: config.region ?? (await resolvedRegion(client)), secrets });
  }
}

function tag(task: Task, key: string): string | undefined {
  return task.tags?.find((candidate) => candidate.key === key)?.value;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
