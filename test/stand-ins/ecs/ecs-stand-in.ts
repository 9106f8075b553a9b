// STAND-IN, NOT AWS. A local server that speaks the Amazon ECS JSON protocol (awsJson1_1:
// `POST /`, `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>`,
// `Content-Type: application/x-amz-json-1.1`) for the four calls the ECS provider makes —
// RunTask, DescribeTasks, ListTasks, StopTask — with the published field names, HTTP statuses
// and error bodies (`{ "__type": "<ErrorName>", "message": "…" }`), including RunTask's
// clientToken idempotency. The real `@aws-sdk/client-ecs` is pointed at it with the client's
// `endpoint` setting and signs its requests with SigV4 as it would for AWS; the stand-in checks
// the access key id of the `Authorization` header (unknown → UnrecognizedClientException) but
// not the signature. Each task it runs is a real Codebolt runtime process (see
// stand-in-container.ts), so the runtime really dials back to the relay.
//
// Faults for tests: `delayNextRunTaskReply` (the task is made, the answer comes late — past the
// SDK's request timeout), `maxRunningTasks` (RunTask over it fails as Fargate's concurrency
// quota does), `killContainer` (the container dies behind the provider's back), `forget`
// (ECS dropped a long-stopped task: DescribeTasks answers MISSING).
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StandInContainer } from './stand-in-container.js';

const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const MAX_BODY_BYTES = 1024 * 1024;

export interface StandInTaskDefinition {
  /** `family:revision`, e.g. `codebolt-runtime:1`. */
  family: string;
  revision: number;
  /** The containers of the task definition; the first is essential and runs the runtime. */
  containerName: string;
  /** The container's environment in the task definition (overrides come on top). */
  environment?: Record<string, string>;
  networkMode?: 'awsvpc' | 'bridge' | 'host';
}

export interface EcsStandInOptions {
  /** Access key ids the stand-in accepts. */
  accessKeyIds: string[];
  /** Cluster names. Default `['default']`. */
  clusters?: string[];
  taskDefinitions: StandInTaskDefinition[];
  region?: string;
  accountId?: string;
  /** RunTask fails when this many tasks are not STOPPED. Default: no limit. */
  maxRunningTasks?: number;
  /** Access key ids that authenticate but hold no ECS permissions: every call fails with AccessDeniedException. */
  deniedAccessKeyIds?: string[];
  /** How long StopTask waits after SIGTERM before SIGKILL, in milliseconds (ECS's stopTimeout, 30 s there). Default 5000. */
  stopGraceMs?: number;
}

interface StandInTask {
  task: Record<string, unknown> & { taskArn: string; lastStatus: string; desiredStatus: string; tags: Array<{ key: string; value: string }> };
  cluster: string;
  clientToken: string | undefined;
  requestFingerprint: string;
  container: StandInContainer | undefined;
  settling?: Promise<void>;
}

class EcsApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** The ECS stand-in server (see the file comment). `EcsStandIn.start` listens on 127.0.0.1, port 0. */
export class EcsStandIn {
  /** Every call received, in order: operation name and access key id. */
  readonly calls: Array<{ operation: string; accessKeyId: string | undefined }> = [];
  private readonly tasks = new Map<string, StandInTask>();
  private readonly sockets = new Set<import('node:net').Socket>();
  private runTaskDelayMs = 0;
  private readonly injected: Array<{ operation: string; remaining: number; error: EcsApiError }> = [];
  private readonly region: string;
  private readonly accountId: string;

  private constructor(
    private readonly server: Server,
    private readonly options: EcsStandInOptions,
  ) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
  }

  static async start(options: EcsStandInOptions): Promise<EcsStandIn> {
    const server = createServer();
    const standIn = new EcsStandIn(server, options);
    server.on('error', () => {});
    server.on('connection', (socket) => {
      socket.on('error', () => {});
      standIn.sockets.add(socket);
      socket.once('close', () => standIn.sockets.delete(socket));
    });
    server.on('request', (request, response) => void standIn.handle(request, response));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return standIn;
  }

  /** The `endpoint` to give the ECS client. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next RunTask makes its task at once but answers only after `ms` (a reply lost to a client timeout). */
  delayNextRunTaskReply(ms: number): void {
    this.runTaskDelayMs = ms;
  }

  /** The next `count` calls of `operation` fail with `{ __type: type, message }` and HTTP `status` (ServerException is 500 on ECS). */
  failNext(operation: string, count: number, type: string, message: string, status = type === 'ServerException' ? 500 : 400): void {
    this.injected.push({ operation, remaining: count, error: new EcsApiError(type, message, status) });
  }

  /** Every task the stand-in knows (forgotten ones excluded), as DescribeTasks would show it with tags. */
  describe(): Array<StandInTask['task']> {
    return [...this.tasks.values()].map((entry) => entry.task);
  }

  /** True while anything of the task is left: a running container process or its filesystem. */
  taskExists(taskArn: string): boolean {
    const entry = this.tasks.get(taskArn);
    return entry !== undefined && entry.task.lastStatus !== 'STOPPED';
  }

  /** Kills the task's container behind the provider's back (exit 137): ECS stops the task with EssentialContainerExited. */
  async killContainer(taskArn: string): Promise<void> {
    const entry = this.tasks.get(taskArn);
    if (!entry?.container) throw new Error(`stand-in: no container for ${taskArn}`);
    await entry.container.kill();
    await this.settled(entry);
  }

  /** Drops a task as ECS does about an hour after it stopped: DescribeTasks then answers MISSING. */
  async forget(taskArn: string): Promise<void> {
    const entry = this.tasks.get(taskArn);
    if (!entry) return;
    await entry.container?.remove();
    this.tasks.delete(taskArn);
  }

  /** Stops every container, removes their filesystems and closes the server. Throws if a container could not be removed. */
  async close(): Promise<void> {
    for (const entry of this.tasks.values()) await entry.container?.remove();
    this.tasks.clear();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  // ---- the protocol ------------------------------------------------------------------------

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (response.destroyed) return;
      response.writeHead(status, { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId, ...headers });
      response.end(JSON.stringify(body));
    };
    try {
      const body = await readBody(request);
      if (request.method !== 'POST' || request.url !== '/') throw new EcsApiError('UnknownOperationException', 'Unknown operation');
      const target = request.headers['x-amz-target'];
      if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) throw new EcsApiError('UnknownOperationException', 'Unknown operation');
      const operation = target.slice(TARGET_PREFIX.length);
      const accessKeyId = /Credential=([^/,\s]+)\//.exec(request.headers.authorization ?? '')?.[1];
      this.calls.push({ operation, accessKeyId });
      if (!request.headers.authorization?.startsWith('AWS4-HMAC-SHA256 ') || !/Signature=[0-9a-f]{64}/.test(request.headers.authorization)) {
        throw new EcsApiError('MissingAuthenticationTokenException', 'Missing Authentication Token');
      }
      if (accessKeyId === undefined || (!this.options.accessKeyIds.includes(accessKeyId) && !this.options.deniedAccessKeyIds?.includes(accessKeyId))) {
        throw new EcsApiError('UnrecognizedClientException', 'The security token included in the request is invalid.');
      }
      if (this.options.deniedAccessKeyIds?.includes(accessKeyId)) {
        throw new EcsApiError('AccessDeniedException', `User: arn:aws:iam::${this.accountId}:user/codebolt-stand-in is not authorized to perform: ecs:${operation} on resource: * because no identity-based policy allows the ecs:${operation} action`);
      }
      const fault = this.injected.find((candidate) => candidate.operation === operation && candidate.remaining > 0);
      if (fault) {
        fault.remaining -= 1;
        throw fault.error;
      }
      let input: Record<string, unknown>;
      try {
        input = body.length === 0 ? {} : (JSON.parse(body) as Record<string, unknown>);
      } catch {
        throw new EcsApiError('SerializationException', 'Start of structure or map found where not expected.');
      }
      switch (operation) {
        case 'RunTask': {
          const answer = await this.runTask(input);
          const delayMs = this.runTaskDelayMs;
          this.runTaskDelayMs = 0;
          if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
          return send(200, answer);
        }
        case 'DescribeTasks':
          return send(200, this.describeTasks(input));
        case 'ListTasks':
          return send(200, this.listTasks(input));
        case 'StopTask':
          return send(200, await this.stopTask(input));
        default:
          throw new EcsApiError('UnknownOperationException', `Unknown operation ${operation}`);
      }
    } catch (error) {
      if (error instanceof EcsApiError) return send(error.status, { __type: error.type, message: error.message }, { 'x-amzn-errortype': error.type });
      return send(500, { __type: 'ServerException', message: error instanceof Error ? error.message : 'Internal error' }, { 'x-amzn-errortype': 'ServerException' });
    }
  }

  private async runTask(input: Record<string, unknown>): Promise<unknown> {
    const cluster = this.cluster(input.cluster);
    const definition = this.taskDefinition(input.taskDefinition);
    const clientToken = optionalString(input.clientToken, 'clientToken');
    if (clientToken !== undefined && (clientToken.length > 64 || !/^[\x21-\x7e]+$/.test(clientToken))) {
      throw new EcsApiError('InvalidParameterException', 'clientToken must be up to 64 characters in the range 33-126.');
    }
    const startedBy = optionalString(input.startedBy, 'startedBy');
    if (startedBy !== undefined && !/^[A-Za-z0-9_/-]{1,36}$/.test(startedBy)) {
      throw new EcsApiError('InvalidParameterException', 'startedBy must be up to 36 letters (uppercase and lowercase), numbers, hyphens, forward slashes and underscores.');
    }
    const count = input.count === undefined ? 1 : input.count;
    if (count !== 1) throw new EcsApiError('InvalidParameterException', 'The stand-in runs count 1 only.');
    const launchType = optionalString(input.launchType, 'launchType') ?? 'EC2';
    if (!['FARGATE', 'EC2', 'EXTERNAL'].includes(launchType)) throw new EcsApiError('InvalidParameterException', `launchType ${launchType} is not valid.`);
    const networkMode = definition.networkMode ?? (launchType === 'FARGATE' ? 'awsvpc' : 'bridge');
    const network = (input.networkConfiguration as { awsvpcConfiguration?: { subnets?: unknown } } | undefined)?.awsvpcConfiguration;
    if (networkMode === 'awsvpc' && (!network || !Array.isArray(network.subnets) || network.subnets.length === 0)) {
      throw new EcsApiError('InvalidParameterException', "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    }
    const tags = tagList(input.tags);
    const overrides = (input.overrides ?? {}) as { containerOverrides?: Array<{ name?: string; environment?: Array<{ name?: string; value?: string }> }> };
    for (const override of overrides.containerOverrides ?? []) {
      if (override.name !== definition.containerName) {
        throw new EcsApiError('InvalidParameterException', `Override for container named ${String(override.name)} is not a container in the TaskDefinition.`);
      }
    }
    const fingerprint = JSON.stringify([cluster, input.taskDefinition, launchType, startedBy, tags, overrides, input.networkConfiguration]);
    if (clientToken !== undefined) {
      const earlier = [...this.tasks.values()].find((entry) => entry.cluster === cluster && entry.clientToken === clientToken);
      if (earlier) {
        if (earlier.requestFingerprint !== fingerprint) throw new EcsApiError('InvalidParameterException', 'The clientToken was already used with different parameters.');
        return { tasks: [this.view(earlier, true)], failures: [] };
      }
    }
    const running = [...this.tasks.values()].filter((entry) => entry.task.lastStatus !== 'STOPPED').length;
    if (this.options.maxRunningTasks !== undefined && running >= this.options.maxRunningTasks) {
      throw new EcsApiError('ThrottlingException', "You've reached the limit on the number of vCPUs you can run concurrently. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.");
    }
    const id = randomBytes(16).toString('hex');
    const taskArn = `arn:aws:ecs:${this.region}:${this.accountId}:task/${cluster}/${id}`;
    const now = Date.now() / 1000;
    const environment = Object.fromEntries((overrides.containerOverrides?.[0]?.environment ?? []).map((pair) => [String(pair.name), String(pair.value ?? '')]));
    const entry: StandInTask = {
      cluster,
      clientToken,
      requestFingerprint: fingerprint,
      container: undefined,
      task: {
        taskArn,
        clusterArn: this.clusterArn(cluster),
        taskDefinitionArn: `arn:aws:ecs:${this.region}:${this.accountId}:task-definition/${definition.family}:${definition.revision}`,
        group: `family:${definition.family}`,
        launchType,
        ...(startedBy !== undefined ? { startedBy } : {}),
        lastStatus: 'PROVISIONING',
        desiredStatus: 'RUNNING',
        createdAt: now,
        version: 1,
        cpu: '256',
        memory: '512',
        availabilityZone: `${this.region}a`,
        overrides: { containerOverrides: overrides.containerOverrides ?? [], inferenceAcceleratorOverrides: [] },
        containers: [{ containerArn: `arn:aws:ecs:${this.region}:${this.accountId}:container/${cluster}/${id}/${randomUUID()}`, taskArn, name: definition.containerName, lastStatus: 'PENDING' }],
        tags,
      },
    };
    this.tasks.set(taskArn, entry);
    entry.container = await StandInContainer.start({ ...definition.environment, ...environment });
    Object.assign(entry.task, { lastStatus: 'RUNNING', pullStartedAt: now, pullStoppedAt: now, startedAt: Date.now() / 1000, connectivity: 'CONNECTED' });
    (entry.task.containers as Array<Record<string, unknown>>)[0]!.lastStatus = 'RUNNING';
    void entry.container.exited.then(() => this.settled(entry));
    return { tasks: [this.view(entry, true)], failures: [] };
  }

  private describeTasks(input: Record<string, unknown>): unknown {
    const cluster = this.cluster(input.cluster);
    if (!Array.isArray(input.tasks) || input.tasks.length === 0 || input.tasks.length > 100) {
      throw new EcsApiError('InvalidParameterException', 'Tasks cannot be empty and can have at most 100 items.');
    }
    const withTags = Array.isArray(input.include) && input.include.includes('TAGS');
    const tasks: unknown[] = [];
    const failures: unknown[] = [];
    for (const reference of input.tasks) {
      const entry = this.find(cluster, String(reference));
      if (entry) tasks.push(this.view(entry, withTags));
      else failures.push({ arn: String(reference).startsWith('arn:') ? String(reference) : `arn:aws:ecs:${this.region}:${this.accountId}:task/${cluster}/${String(reference)}`, reason: 'MISSING' });
    }
    return { tasks, failures };
  }

  private listTasks(input: Record<string, unknown>): unknown {
    const cluster = this.cluster(input.cluster);
    const desiredStatus = optionalString(input.desiredStatus, 'desiredStatus') ?? 'RUNNING';
    const startedBy = optionalString(input.startedBy, 'startedBy');
    const maxResults = typeof input.maxResults === 'number' ? input.maxResults : 100;
    if (maxResults < 1 || maxResults > 100) throw new EcsApiError('InvalidParameterException', 'maxResults must be between 1 and 100.');
    const arns = [...this.tasks.values()]
      .filter((entry) => entry.cluster === cluster && entry.task.desiredStatus === desiredStatus && (startedBy === undefined || entry.task.startedBy === startedBy))
      .map((entry) => entry.task.taskArn);
    const start = typeof input.nextToken === 'string' ? Number(Buffer.from(input.nextToken, 'base64url').toString('utf8')) : 0;
    const page = arns.slice(start, start + maxResults);
    return start + maxResults < arns.length ? { taskArns: page, nextToken: Buffer.from(String(start + maxResults)).toString('base64url') } : { taskArns: page };
  }

  private async stopTask(input: Record<string, unknown>): Promise<unknown> {
    const cluster = this.cluster(input.cluster);
    const reference = optionalString(input.task, 'task');
    if (reference === undefined) throw new EcsApiError('InvalidParameterException', 'task can not be blank.');
    const reason = optionalString(input.reason, 'reason');
    if (reason !== undefined && reason.length > 255) throw new EcsApiError('InvalidParameterException', 'reason must be up to 255 characters.');
    const entry = this.find(cluster, reference);
    if (!entry) throw new EcsApiError('InvalidParameterException', 'The referenced task was not found.');
    if (entry.task.desiredStatus !== 'STOPPED') {
      Object.assign(entry.task, { desiredStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: reason ?? 'Task stopped by user', stoppingAt: Date.now() / 1000, lastStatus: 'DEACTIVATING' });
      const container = entry.container;
      // ECS answers at once and stops the task in the background.
      void container?.stop(this.options.stopGraceMs ?? 5_000);
    }
    return { task: this.view(entry, false) };
  }

  /** The container exited: the task is STOPPED, with EssentialContainerExited when nobody asked for it. */
  private settled(entry: StandInTask): Promise<void> {
    entry.settling ??= this.settle(entry);
    return entry.settling;
  }

  private async settle(entry: StandInTask): Promise<void> {
    if (!entry.container) return;
    await entry.container.exited;
    const exitCode = entry.container.exitCode;
    if (entry.task.desiredStatus !== 'STOPPED') {
      Object.assign(entry.task, { desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited', stoppingAt: Date.now() / 1000 });
    }
    const container = (entry.task.containers as Array<Record<string, unknown>>)[0]!;
    Object.assign(container, { lastStatus: 'STOPPED', exitCode, ...(exitCode === 137 && entry.task.stopCode === 'EssentialContainerExited' ? { reason: 'OutOfMemoryError: Container killed due to memory usage' } : {}) });
    await entry.container.remove();
    Object.assign(entry.task, { lastStatus: 'STOPPED', executionStoppedAt: Date.now() / 1000, stoppedAt: Date.now() / 1000, connectivity: 'DISCONNECTED' });
  }

  private view(entry: StandInTask, withTags: boolean): unknown {
    const { tags, ...task } = entry.task;
    return withTags ? { ...task, tags } : task;
  }

  private find(cluster: string, reference: string): StandInTask | undefined {
    const entry = this.tasks.get(reference) ?? [...this.tasks.values()].find((candidate) => candidate.task.taskArn.endsWith(`/${reference}`));
    return entry && entry.cluster === cluster ? entry : undefined;
  }

  private cluster(value: unknown): string {
    const reference = optionalString(value, 'cluster') ?? 'default';
    const name = reference.startsWith('arn:') ? reference.slice(reference.lastIndexOf('/') + 1) : reference;
    if (!(this.options.clusters ?? ['default']).includes(name)) throw new EcsApiError('ClusterNotFoundException', 'Cluster not found.');
    return name;
  }

  private clusterArn(cluster: string): string {
    return `arn:aws:ecs:${this.region}:${this.accountId}:cluster/${cluster}`;
  }

  private taskDefinition(value: unknown): StandInTaskDefinition {
    const reference = optionalString(value, 'taskDefinition');
    if (reference === undefined) throw new EcsApiError('InvalidParameterException', 'TaskDefinition can not be blank.');
    const name = reference.startsWith('arn:') ? reference.slice(reference.lastIndexOf('/') + 1) : reference;
    const [family, revision] = name.split(':');
    const matches = this.options.taskDefinitions.filter((definition) => definition.family === family && (revision === undefined || String(definition.revision) === revision));
    const definition = matches.sort((a, b) => b.revision - a.revision)[0];
    if (!definition) throw new EcsApiError('ClientException', 'TaskDefinition not found.');
    return definition;
  }
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new EcsApiError('SerializationException', `${field} must be a string.`);
  return value;
}

function tagList(value: unknown): Array<{ key: string; value: string }> {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 50) throw new EcsApiError('InvalidParameterException', 'tags must be a list of at most 50 tags.');
  return value.map((tag: { key?: unknown; value?: unknown }) => {
    if (typeof tag.key !== 'string' || tag.key.length < 1 || tag.key.length > 128 || tag.key.toLowerCase().startsWith('aws:')) {
      throw new EcsApiError('InvalidParameterException', 'Tag keys must be 1-128 characters and must not start with aws:.');
    }
    if (typeof tag.value !== 'string' || tag.value.length > 256 || !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(tag.value)) {
      throw new EcsApiError('InvalidParameterException', `The tag value for key ${tag.key} is invalid.`);
    }
    return { key: tag.key, value: tag.value };
  });
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new EcsApiError('SerializationException', 'Request body too large.', 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
