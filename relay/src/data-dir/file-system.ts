import { open as openFile, readFile as readWholeFile, rename as renameFile, unlink as unlinkFile } from 'node:fs/promises';

/** The filesystem calls a commit makes, as named to a fault injector. */
export type FileSystemCall = 'open' | 'write' | 'sync' | 'close' | 'rename' | 'unlink' | 'read';

/**
 * Decides whether one filesystem call fails: returns the error to throw (an errno error such as
 * ENOSPC or EIO), or undefined to let the real call run. Only tests install one.
 */
export type FaultInjector = (call: FileSystemCall, path: string) => NodeJS.ErrnoException | undefined;

let injector: FaultInjector | undefined;

/**
 * Installs (or, with undefined, removes) the fault injector for every call made through
 * `fileSystem`. For crash-consistency tests: the code under test and the OS calls stay real; only
 * the calls the injector picks fail, before they reach the OS.
 */
export function setFaultInjector(next: FaultInjector | undefined): void {
  injector = next;
}

/** An errno-style error as Node's fs throws it (`code`, `errno`, `syscall`, `path`). */
export function errnoError(code: string, call: FileSystemCall, path: string): NodeJS.ErrnoException {
  const messages: Record<string, string> = { ENOSPC: 'no space left on device', EIO: 'i/o error', EACCES: 'permission denied', EROFS: 'read-only file system' };
  const error = new Error(`${code}: ${messages[code] ?? 'injected failure'}, ${call} '${path}'`) as NodeJS.ErrnoException;
  error.code = code;
  error.syscall = call;
  error.path = path;
  return error;
}

function check(call: FileSystemCall, path: string): void {
  const failure = injector?.(call, path);
  if (failure) throw failure;
}

/** An open file: the subset of FileHandle a commit uses, each call passing the seam. */
export interface SeamFileHandle {
  writeFile(content: string | Uint8Array): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The seam between durable-state code (atomic file replace, the environment store) and the OS.
 * Each method is the real node:fs/promises call, preceded by the fault injector's check.
 */
export const fileSystem = {
  async open(path: string, flags: string, mode?: number): Promise<SeamFileHandle> {
    check('open', path);
    const handle = await openFile(path, flags, mode);
    return {
      async writeFile(content) {
        check('write', path);
        await handle.writeFile(content);
      },
      async sync() {
        check('sync', path);
        await handle.sync();
      },
      /** Always releases the descriptor (as close(2) does on Linux), then reports an injected failure. */
      async close() {
        await handle.close();
        check('close', path);
      },
    };
  },
  async rename(from: string, to: string): Promise<void> {
    check('rename', to);
    await renameFile(from, to);
  },
  async unlink(path: string): Promise<void> {
    check('unlink', path);
    await unlinkFile(path);
  },
  async readFile(path: string): Promise<string> {
    check('read', path);
    return readWholeFile(path, 'utf8');
  },
};
