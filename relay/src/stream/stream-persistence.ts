import { mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../data-dir/atomic-file.js';
import type { Logger } from '../logger.js';
import type { EnvironmentStream, StreamStore } from './environment-stream.js';

/**
 * Saves the environments' streams on graceful shutdown and restores them on the next start, so
 * apps and runtimes resume with nothing lost or repeated. One file per environment,
 * `<dataDir>/streams/<environmentId>.json`, written atomically (temp file, fsync, rename).
 *
 * A file is read once at start and deleted right away: from then on the in-memory stream moves
 * on, and a relay killed later (kill -9, no save) must not come back with a stale window under
 * the same epoch. Such a relay starts every stream with a fresh epoch instead, so a resuming app
 * gets an explicit `gap` (epoch-changed). An unreadable file is logged, moved aside
 * (`.corrupt`), and the stream starts fresh (again: a new epoch, so a gap is reported).
 */
const savedStreamSchema = z.object({
  version: z.literal(1),
  epoch: z.string(),
  toAppsSeq: z.number().int().nonnegative(),
  window: z.array(z.object({ seq: z.number().int(), target: z.string().optional(), text: z.string().optional(), binary: z.string().optional() })),
  toRuntimeSeq: z.number().int().nonnegative(),
  unacked: z.array(z.object({ seq: z.number().int(), text: z.string().optional(), binary: z.string().optional() })),
  runtimeStream: z.string().optional(),
  runtimeSeq: z.number().int().nonnegative(),
  sessions: z.array(z.object({ id: z.string(), owner: z.string(), lastAppSeq: z.number().int().nonnegative() })),
});

const ENVIRONMENT_FILE = /^([A-Za-z0-9_-]{1,200})\.json$/;

/** A text frame is saved as `text`, a binary one as base64 in `binary`. */
function saveFrame(frame: string | Uint8Array): { text: string } | { binary: string } {
  return typeof frame === 'string' ? { text: frame } : { binary: Buffer.from(frame).toString('base64') };
}

function loadFrame(saved: { text?: string | undefined; binary?: string | undefined }): string | Uint8Array {
  if (saved.text !== undefined) return saved.text;
  if (saved.binary !== undefined) return Buffer.from(saved.binary, 'base64');
  throw new Error('a saved frame has neither text nor binary');
}

function serialize(stream: EnvironmentStream): string {
  const saved: z.infer<typeof savedStreamSchema> = {
    version: 1,
    epoch: stream.epoch,
    toAppsSeq: stream.toAppsSeq,
    window: stream.window.all().map((frame) => ({ seq: frame.seq, target: frame.target, ...saveFrame(frame.text) })),
    toRuntimeSeq: stream.toRuntimeSeq,
    unacked: stream.unacked.map((frame) => ({ seq: frame.seq, ...saveFrame(frame.text) })),
    runtimeStream: stream.runtimeStream,
    runtimeSeq: stream.runtimeSeq,
    sessions: [...stream.sessions].map(([id, record]) => ({ id, owner: record.owner, lastAppSeq: record.lastAppSeq })),
  };
  return JSON.stringify(saved);
}

/** Writes every stream to `<dataDir>/streams/`. Call it after every peer connection is closed. */
export async function saveStreams(dataDir: string, store: StreamStore): Promise<void> {
  const directory = join(dataDir, 'streams');
  await mkdir(directory, { recursive: true, mode: 0o700 });
  for (const [environmentId, stream] of store.entries()) await writeFileAtomic(join(directory, `${environmentId}.json`), serialize(stream));
}

/** Restores the saved streams into `store` and deletes their files. */
export async function restoreStreams(dataDir: string, store: StreamStore, logger: Logger): Promise<void> {
  const directory = join(dataDir, 'streams');
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return;
  }
  for (const name of names) {
    const match = ENVIRONMENT_FILE.exec(name);
    if (!match) continue;
    const path = join(directory, name);
    try {
      const saved = savedStreamSchema.parse(JSON.parse(await readFile(path, 'utf8')));
      const stream = store.get(match[1] as string);
      stream.epoch = saved.epoch;
      stream.toAppsSeq = saved.toAppsSeq;
      for (const frame of saved.window) {
        const text = loadFrame(frame);
        stream.window.append({ seq: frame.seq, target: frame.target, text, bytes: text.length });
      }
      stream.toRuntimeSeq = saved.toRuntimeSeq;
      for (const frame of saved.unacked) stream.unacked.push({ seq: frame.seq, text: loadFrame(frame) });
      stream.unackedBytes = stream.unacked.reduce((total, frame) => total + frame.text.length, 0);
      stream.runtimeStream = saved.runtimeStream;
      stream.runtimeSeq = saved.runtimeSeq;
      for (const session of saved.sessions) stream.sessions.set(session.id, { owner: session.owner, lastAppSeq: session.lastAppSeq, expiryTimer: undefined });
      await rm(path, { force: true });
    } catch (error) {
      logger.warn('a saved stream could not be read; it starts fresh (apps that resume get a gap)', { file: name, error });
      await rm(`${path}.corrupt`, { force: true });
      await rename(path, `${path}.corrupt`).catch(() => undefined);
    }
  }
}
