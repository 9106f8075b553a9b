import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';

/** Test support: makes a named pipe (mkfifo), so a test and an exec'd program can hand off without sleeping. */
export function makeFifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

/** Writes one line into a FIFO; resolves once a reader has taken it (the open blocks until one is there). */
export async function signalFifo(path: string, line = 'go'): Promise<void> {
  await writeFile(path, `${line}\n`);
}
