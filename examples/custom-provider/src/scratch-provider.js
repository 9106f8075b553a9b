// A third-party provider: each environment is a scratch directory, its runtime a local process.
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CodeboltError } from '@codebolt/protocol';
import { BaseProvider, parseProviderConfig } from '@codebolt/provider';
import { z } from 'zod';

const configSchema = z.object({ greeting: z.string().max(200).optional() }).strict();
const runtimeBin = createRequire(import.meta.url).resolve('@codebolt/runtime/bin');

export class ScratchProvider extends BaseProvider {
  name = 'scratch';
  version = '0.1.0';

  /** @param {{ home: string }} settings the data dir; resources live in <home>/scratch/<envId> */
  constructor(settings) {
    super();
    this.root = join(settings.home, 'scratch');
  }

  async create(context) {
    parseProviderConfig(configSchema, context.config, this.name);
    const id = context.environment.id;
    if (!/^[\w.-]+$/.test(id) || id.startsWith('.')) throw new CodeboltError('bad-request', `environment id ${id} cannot name a directory`);
    await mkdir(join(this.root, id, 'workspace'), { recursive: true });
    await this.launch(id, context);
    return { resourceId: id };
  }

  async start(resourceId, context) {
    parseProviderConfig(configSchema, context.config, this.name);
    if (!(await this.exists(resourceId))) throw new CodeboltError('resource-gone', `scratch dir of ${resourceId} is gone; delete the environment`);
    await this.launch(resourceId, context);
  }

  async attach(resourceId) {
    if (!(await this.exists(resourceId))) return { status: 'gone' };
    return (await this.runningPid(resourceId)) ? { status: 'running' } : { status: 'stopped' };
  }

  async stop(resourceId) {
    const pid = await this.runningPid(resourceId);
    if (pid) process.kill(pid, 'SIGTERM');
    for (let waited = 0; pid && isAlive(pid); waited += 50) {
      if (waited > 10_000) throw new CodeboltError('timeout', `runtime pid ${pid} did not exit after SIGTERM`);
      await delay(50);
    }
    await rm(join(this.root, resourceId, 'runtime.pid'), { force: true });
  }

  async destroy(resourceId, context) {
    if (!(await this.exists(resourceId))) return;
    await this.stop(resourceId, context);
    await rm(join(this.root, resourceId), { recursive: true, force: true });
  }

  async list() {
    const names = await readdir(this.root).catch(() => []);
    return Promise.all(names.map(async (id) => ({ resourceId: id, environmentId: id, ...(await this.attach(id)) })));
  }

  /** Starts `node <runtime>` detached, with the token only in its environment. */
  async launch(id, context) {
    await this.stop(id, context);
    const dir = join(this.root, id);
    const child = spawn(process.execPath, [runtimeBin], {
      cwd: join(dir, 'workspace'),
      detached: true,
      stdio: 'ignore',
      env: {
        PATH: process.env.PATH,
        GREETING: context.config.greeting ?? 'hello',
        CODEBOLT_RUNTIME_URL: context.runtime.url,
        CODEBOLT_RUNTIME_TOKEN: context.runtime.token,
        CODEBOLT_WORKSPACE: join(dir, 'workspace'),
        CODEBOLT_RUNTIME_STATE_DIR: join(dir, 'state'),
      },
    });
    child.unref();
    await writeFile(join(dir, 'runtime.pid'), String(child.pid));
  }

  async exists(id) {
    return stat(join(this.root, id, 'workspace')).then(() => true, () => false);
  }

  /** The recorded runtime pid if that process still runs. (A real provider also checks the process start time.) */
  async runningPid(id) {
    const pid = Number(await readFile(join(this.root, id, 'runtime.pid'), 'utf8').catch(() => '0'));
    return pid > 1 && isAlive(pid) ? pid : undefined;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
