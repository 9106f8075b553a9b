// A provider that breaks two rules on purpose: destroy leaves a file behind, and list also
// reports a resource nobody made. The kit's own test checks that the kit catches both.
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { BaseProvider, runProvider } from '../../../dist/index.js';

const runtimeBin = createRequire(import.meta.url).resolve('@codebolt/runtime/bin');
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };

class LeakyProvider extends BaseProvider {
  name = 'leaky';
  version = '0.0.0';
  root = join(process.env.CODEBOLT_HOME, 'leaky');
  async create(context) {
    await mkdir(join(this.root, context.environment.id, 'workspace'), { recursive: true });
    await this.start(context.environment.id, context);
    return { resourceId: context.environment.id };
  }
  async start(id, context) {
    await this.stop(id);
    const dir = join(this.root, id);
    const env = { PATH: process.env.PATH, CODEBOLT_RUNTIME_URL: context.runtime.url, CODEBOLT_RUNTIME_TOKEN: context.runtime.token, CODEBOLT_WORKSPACE: join(dir, 'workspace'), CODEBOLT_RUNTIME_STATE_DIR: join(dir, 'state') };
    const child = spawn(process.execPath, [runtimeBin], { cwd: join(dir, 'workspace'), detached: true, stdio: 'ignore', env });
    child.unref();
    await writeFile(join(dir, 'pid'), String(child.pid));
  }
  async pid(id) {
    const pid = Number(await readFile(join(this.root, id, 'pid'), 'utf8').catch(() => '0'));
    return pid > 1 && alive(pid) ? pid : undefined;
  }
  async attach(id) {
    if (!(await stat(join(this.root, id, 'workspace')).catch(() => undefined))) return { status: 'gone' };
    return { status: (await this.pid(id)) ? 'running' : 'stopped' };
  }
  async stop(id) {
    const pid = await this.pid(id);
    if (pid) process.kill(pid, 'SIGTERM');
    while (pid && alive(pid)) await delay(25);
  }
  async destroy(id) {
    await this.stop(id);
    await rm(join(this.root, id, 'workspace'), { recursive: true, force: true });
    // Broken on purpose: the rest of the resource (its state) is left behind.
  }
  async list() {
    const names = await readdir(this.root).catch(() => []);
    const live = [];
    for (const id of names) if ((await this.attach(id)).status !== 'gone') live.push({ resourceId: id, environmentId: id, ...(await this.attach(id)) });
    return [...live, { resourceId: 'phantom', status: 'stopped' }];
  }
}

runProvider(new LeakyProvider()).then(() => process.exit(0), () => process.exit(1));
