import { CodeboltError } from '@codebolt/protocol';

/**
 * Converts a Node file-system error into a CodeboltError with the code that fits and a message
 * that names the request path (never the absolute host path).
 */
export function fsError(error: unknown, requested: string): CodeboltError {
  if (error instanceof CodeboltError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new CodeboltError('file-not-found', `'${requested}' does not exist in the workspace`, { cause: error });
    case 'EISDIR':
    case 'ERR_FS_EISDIR':
      return new CodeboltError('bad-request', `'${requested}' is a directory; use fs.list to read it or recursive: true to remove it`, {
        cause: error,
      });
    case 'ENOTEMPTY':
    case 'EEXIST':
      return new CodeboltError('conflict', `'${requested}' is not empty or already exists; pass recursive: true to remove a directory tree`, {
        cause: error,
      });
    case 'ELOOP':
      return new CodeboltError('bad-request', `'${requested}' runs into a symlink loop`, { cause: error });
    case 'EACCES':
    case 'EPERM':
      return new CodeboltError('forbidden', `permission denied on '${requested}' for the runtime's user inside the resource`, { cause: error });
    default:
      return new CodeboltError('internal', `file operation on '${requested}' failed (${code ?? 'unknown error'})`, { cause: error });
  }
}
