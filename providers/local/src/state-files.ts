import { randomUUID } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { CodeboltError } from '@codebolt/protocol';

/** `resource.json`: who made the resource, and with which creation token. */
export interface ResourceRecord {
  environmentId: string;
  creationToken: string;
  /** ISO 8601. */
  createdAt: string;
}

/** `runtime.json`: which process is the runtime. `startTime` makes the pid unambiguous. */
export interface RuntimeRecord {
  pid: number;
  /** Opaque process start time (see process-identity.ts); compared as a string. */
  startTime: string;
  /** The runtime's `CODEBOLT_RUNTIME_INSTANCE`. */
  instance: string;
}

/** Writes JSON so that a reader sees the old file or the new one, never a part: temp file, fsync, rename. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const temporary = `${file}.${randomUUID()}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export async function readResourceRecord(file: string): Promise<ResourceRecord | undefined> {
  const value = await readJson(file);
  if (value === undefined) return undefined;
  const { environmentId, creationToken, createdAt } = value as Partial<ResourceRecord>;
  if (typeof environmentId !== 'string' || typeof creationToken !== 'string' || typeof createdAt !== 'string') {
    throw corrupt(file, 'expected { environmentId, creationToken, createdAt }');
  }
  return { environmentId, creationToken, createdAt };
}

export async function readRuntimeRecord(file: string): Promise<RuntimeRecord | undefined> {
  const value = await readJson(file);
  if (value === undefined) return undefined;
  const { pid, startTime, instance } = value as { pid?: unknown; startTime?: unknown; instance?: unknown };
  // pid 0, 1 and negatives would signal process groups or init: never accept them.
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid < 2) throw corrupt(file, 'pid must be an integer ≥ 2');
  if (typeof startTime !== 'string' && typeof startTime !== 'number') throw corrupt(file, 'startTime is missing');
  return { pid, startTime: String(startTime), instance: typeof instance === 'string' ? instance : '' };
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) throw new Error('not an object');
    return value;
  } catch {
    throw corrupt(file, 'not a JSON object');
  }
}

function corrupt(file: string, problem: string): CodeboltError {
  return new CodeboltError('data-corrupt', `${file} cannot be read (${problem}); it was left untouched: fix or remove it`);
}
