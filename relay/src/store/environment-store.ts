import { readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Low } from 'lowdb';
import type { Adapter } from 'lowdb';
import { CodeboltError } from '@codebolt/protocol';
import { writeFileAtomic } from '../data-dir/atomic-file.js';
import { fileSystem } from '../data-dir/file-system.js';
import { storageFailure } from '../data-dir/storage-failure.js';
import type { EnvironmentRecord } from './record.js';
import { STORE_SCHEMA_VERSION, migrateStore } from './store-migrations.js';

export { STORE_SCHEMA_VERSION } from './store-migrations.js';

interface IdempotencyEntry {
  environmentId: string;
  requestHash: string;
  tenant: string;
  createdAt: string;
}

export interface StoreData {
  schemaVersion: number;
  environments: EnvironmentRecord[];
  idempotency: Record<string, IdempotencyEntry>;
}

/** lowdb adapter: strict JSON read (a corrupt file is an error, never overwritten) and atomic write. */
class AtomicJsonAdapter implements Adapter<StoreData> {
  constructor(private readonly path: string) {}

  async read(): Promise<StoreData | null> {
    let text: string;
    try {
      text = await fileSystem.readFile(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new CodeboltError('data-corrupt', `${this.path} is not valid JSON; it was left untouched. Restore it from a backup or move it away to start empty`, { cause: error });
    }
    return migrate(value, this.path);
  }

  async write(data: StoreData): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify(data, null, 2)}\n`);
  }
}

function migrate(value: unknown, path: string): StoreData {
  const data = migrateStore(value, path);
  return { schemaVersion: STORE_SCHEMA_VERSION, environments: data.environments as EnvironmentRecord[], idempotency: (data.idempotency as StoreData['idempotency']) ?? {} };
}

/**
 * The environment records, persisted in environments.json. All writes are serialised; each write
 * is an atomic replace of the whole file. Reads are from memory.
 */
export class EnvironmentStore {
  readonly #db: Low<StoreData>;
  readonly #path: string;
  #writes: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.#path = path;
    this.#db = new Low<StoreData>(new AtomicJsonAdapter(path), { schemaVersion: STORE_SCHEMA_VERSION, environments: [], idempotency: {} });
  }

  /**
   * Reads (and migrates, in memory) the file, then removes temp files an interrupted commit left
   * beside it (`.environments.json.<pid>.<random>.tmp`: never read, only one process writes a store).
   * Throws `data-corrupt` / `data-version-unsupported` (file untouched) or the read's errno error.
   */
  async load(): Promise<void> {
    await this.#db.read();
    const prefix = `.${basename(this.#path)}.`;
    for (const name of await readdir(dirname(this.#path)).catch(() => [] as string[])) {
      if (name.startsWith(prefix) && name.endsWith('.tmp')) await unlink(join(dirname(this.#path), name)).catch(() => {});
    }
  }

  list(): EnvironmentRecord[] {
    return this.#db.data.environments.map((record) => structuredClone(record));
  }

  get(id: string): EnvironmentRecord | undefined {
    const record = this.#db.data.environments.find((candidate) => candidate.id === id);
    return record ? structuredClone(record) : undefined;
  }

  findByName(tenant: string, name: string): EnvironmentRecord | undefined {
    const record = this.#db.data.environments.find((candidate) => candidate.tenant === tenant && candidate.name === name);
    return record ? structuredClone(record) : undefined;
  }

  idempotencyEntry(tenant: string, key: string): IdempotencyEntry | undefined {
    const entry = this.#db.data.idempotency[`${tenant}\u0000${key}`];
    return entry ? { ...entry } : undefined;
  }

  async insert(record: EnvironmentRecord, idempotency?: { key: string; requestHash: string }): Promise<EnvironmentRecord> {
    return this.#write(() => {
      this.#db.data.environments.push(structuredClone(record));
      if (idempotency) {
        this.#db.data.idempotency[`${record.tenant}\u0000${idempotency.key}`] = {
          environmentId: record.id,
          requestHash: idempotency.requestHash,
          tenant: record.tenant,
          createdAt: record.createdAt,
        };
      }
      return structuredClone(record);
    });
  }

  /** Applies `change` to the record and persists it; throws environment-not-found if it is gone. */
  async update(id: string, change: (record: EnvironmentRecord) => void): Promise<EnvironmentRecord> {
    return this.#write(() => {
      const record = this.#db.data.environments.find((candidate) => candidate.id === id);
      if (!record) throw new CodeboltError('environment-not-found', `no environment with id ${id}; list them with \`codebolt env list\``);
      change(record);
      record.updatedAt = new Date().toISOString();
      return structuredClone(record);
    });
  }

  /** Applies `change` to every record and persists them in one write (master key rotation). Returns the sum of what `change` returned. */
  async updateEach(change: (record: EnvironmentRecord) => number): Promise<number> {
    return this.#write(() => {
      let total = 0;
      for (const record of this.#db.data.environments) total += change(record);
      return total;
    });
  }

  async remove(id: string): Promise<void> {
    await this.#write(() => {
      this.#db.data.environments = this.#db.data.environments.filter((record) => record.id !== id);
      for (const [key, entry] of Object.entries(this.#db.data.idempotency)) {
        if (entry.environmentId === id) delete this.#db.data.idempotency[key];
      }
    });
  }

  /**
   * Runs `task` while no commit is in progress or starts (commits queue behind it and run after,
   * in order). For a consistent backup: the file on disk equals memory for the whole of `task`.
   * Keep `task` short: every write waits for it.
   */
  async pauseWrites<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(task);
    this.#writes = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #write<T>(mutate: () => T): Promise<T> {
    const run = this.#writes.then(async () => {
      const snapshot = structuredClone(this.#db.data);
      let result: T;
      try {
        result = mutate();
      } catch (error) {
        this.#db.data = snapshot;
        throw error;
      }
      try {
        await this.#db.write();
      } catch (error) {
        // The file holds the old state, or (when only the final directory fsync failed) the new
        // one; memory goes back to the old state and the caller is told the change was not made.
        this.#db.data = snapshot;
        throw storageFailure(this.#path, error);
      }
      return result;
    });
    this.#writes = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
