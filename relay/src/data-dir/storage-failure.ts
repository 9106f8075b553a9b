import { CodeboltError } from '@codebolt/protocol';

/**
 * Turns a failed write of a state file into CodeboltError `storage-failed` naming the file, the
 * OS reason (errno code) and what to do; a CodeboltError passes through unchanged.
 */
export function storageFailure(path: string, error: unknown): CodeboltError {
  if (error instanceof CodeboltError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const hint =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'free disk space on that volume'
      : code === 'EROFS' || code === 'EACCES' || code === 'EPERM'
        ? 'make the data dir writable by the relay'
        : 'check the disk (dmesg, SMART) and the data dir';
  return new CodeboltError('storage-failed', `could not save ${path} (${code ?? 'error'}); the change was not made. ${hint}, then retry`, { cause: error });
}
