import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CodeboltError, isErrorCode } from '@codebolt/protocol';
import { BaseProvider } from '../base-provider.js';
import type { AttachResult, CreateResult, HealthResult, ListedResource, ProviderContext, ResourceContext, StartContext } from '../types.js';

/** Test-only knobs, passed as the request's config. */
export interface FixtureConfig {
  /** create throws CodeboltError with this code. */
  failWith?: string;
  /** health waits until its signal aborts, then logs `aborted`. */
  hang?: boolean;
}

interface FixtureResource {
  environmentId: string;
  status: 'running' | 'stopped';
  runtimeToken: string;
}

/**
 * A real provider for the tests of this package: each resource is a JSON file in `dir`. Every
 * verb that changes something sends a `log` event `<verb> <resourceId>`, so a test sees the order.
 * The resource id `explode` makes attach throw a plain Error.
 */
export class FixtureProvider extends BaseProvider<FixtureConfig> {
  readonly name = 'fixture';
  readonly version = '1.2.3';

  constructor(private readonly dir: string) {
    super();
  }

  async create(context: StartContext<FixtureConfig>): Promise<CreateResult> {
    const failWith = context.config.failWith;
    if (failWith !== undefined) {
      throw new CodeboltError(isErrorCode(failWith) ? failWith : 'internal', `fixture create refused: set config.failWith to nothing to succeed`);
    }
    const resourceId = `fx-${context.creationToken}`;
    await this.write(resourceId, { environmentId: context.environment.id, status: 'running', runtimeToken: context.runtime.token });
    this.log('info', `create ${resourceId}`);
    return { resourceId };
  }

  async start(resourceId: string, context: StartContext<FixtureConfig>): Promise<void> {
    const resource = await this.read(resourceId);
    if (resource === undefined) throw new CodeboltError('resource-gone', `fixture resource ${resourceId} does not exist`);
    await this.write(resourceId, { ...resource, status: 'running', runtimeToken: context.runtime.token });
    this.log('info', `start ${resourceId}`);
    this.reportResourceState(resourceId, 'running', 'started by the fixture');
  }

  async attach(resourceId: string, _context: ResourceContext<FixtureConfig>): Promise<AttachResult> {
    if (resourceId === 'explode') throw new Error('backend exploded: quota exceeded for project p-1');
    const resource = await this.read(resourceId);
    return resource === undefined ? { status: 'gone', detail: 'no file' } : { status: resource.status };
  }

  async stop(resourceId: string, _context: ResourceContext<FixtureConfig>): Promise<void> {
    const resource = await this.read(resourceId);
    if (resource !== undefined) await this.write(resourceId, { ...resource, status: 'stopped' });
    this.log('info', `stop ${resourceId}`);
  }

  async destroy(resourceId: string, _context: ResourceContext<FixtureConfig>): Promise<void> {
    await rm(this.file(resourceId), { force: true });
    this.log('info', `destroy ${resourceId}`);
  }

  async list(_context: ProviderContext<FixtureConfig>): Promise<ListedResource[]> {
    const files = (await readdir(this.dir)).filter((file) => file.endsWith('.json')).sort();
    const resources: ListedResource[] = [];
    for (const file of files) {
      const resourceId = file.slice(0, -'.json'.length);
      const resource = await this.read(resourceId);
      if (resource) resources.push({ resourceId, environmentId: resource.environmentId, status: resource.status });
    }
    return resources;
  }

  override async health(context: ProviderContext<FixtureConfig>): Promise<HealthResult> {
    if (context.config.hang === true) {
      this.log('info', 'hanging');
      await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true }));
      this.log('info', 'aborted');
      throw new Error('aborted');
    }
    return { ok: true, message: JSON.stringify({ tokenInEnv: 'CODEBOLT_PROVIDER_TOKEN' in process.env, pid: process.pid }) };
  }

  private file(resourceId: string): string {
    if (!/^[a-zA-Z0-9-]+$/.test(resourceId)) throw new CodeboltError('bad-request', `fixture resource ids use letters, digits and "-"`);
    return join(this.dir, `${resourceId}.json`);
  }

  private async read(resourceId: string): Promise<FixtureResource | undefined> {
    try {
      return JSON.parse(await readFile(this.file(resourceId), 'utf8')) as FixtureResource;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  private async write(resourceId: string, resource: FixtureResource): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.file(resourceId), JSON.stringify(resource));
  }
}
