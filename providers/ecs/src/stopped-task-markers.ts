import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Remembers, in the relay's data dir, which tasks the relay itself stopped. ECS forgets a stopped
 * task about an hour after it stopped (DescribeTasks answers MISSING); without this, a stopped
 * environment older than that would look `gone` and could never start again. One small JSON
 * file per task under `<dir>`, named by the hash of the task ARN; written before StopTask,
 * removed on destroy and when start replaced the task.
 */
export class StoppedTaskMarkers {
  /** `dir` = `<CODEBOLT_HOME>/ecs/stopped-tasks`; undefined keeps no markers (stopped tasks are then `gone` once ECS forgot them). */
  constructor(private readonly dir: string | undefined) {}

  async mark(taskArn: string, environmentId: string): Promise<void> {
    if (!this.dir) return;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = this.path(taskArn);
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ taskArn, environmentId, stoppedAt: new Date().toISOString() })}\n`, { mode: 0o600 });
    await rename(temporary, path);
  }

  async has(taskArn: string): Promise<boolean> {
    if (!this.dir) return false;
    try {
      const marker = JSON.parse(await readFile(this.path(taskArn), 'utf8')) as { taskArn?: unknown };
      return marker.taskArn === taskArn;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  async clear(taskArn: string): Promise<void> {
    if (!this.dir) return;
    await rm(this.path(taskArn), { force: true });
  }

  private path(taskArn: string): string {
    return join(this.dir!, `${createHash('sha256').update(taskArn).digest('hex')}.json`);
  }
}
