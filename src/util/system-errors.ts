/**
 * Telling the operating system's failures (a full disk, a permission, a dropped connection) from fleet's own bugs. The
 * first kind becomes a UserError with a hint about that very cause; anything else is left as it is, so the entry point
 * reports it as a bug with its stack instead of sending the user to check a disk that is fine.
 */

/** Node's system errors carry a string `code` such as ENOSPC (https://nodejs.org/api/errors.html#common-system-errors). */
function codeOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined
  return typeof code === 'string' ? code : undefined
}

const HINTS: Readonly<Record<string, string>> = {
  ENOSPC: 'The disk is full: free space on the volume of the cache (or point hfCache / HF_HUB_CACHE at a larger one), then run the command again; finished parts are kept.',
  EDQUOT: 'The disk quota is exhausted: free space, then run the command again; finished parts are kept.',
  EACCES: 'Permission denied: check that you own the directory (and its parents), or choose another one.',
  EPERM: "The operation is not permitted: check the directory's owner and permissions.",
  EROFS: 'The file system is read-only: choose a writable directory.',
  EIO: 'The disk reported an I/O error: check it (Disk Utility → First Aid), then run the command again.',
  EMFILE: 'Too many open files: raise the limit (ulimit -n), then run the command again.',
  ENFILE: 'The system ran out of file handles: close other programs, then run the command again.',
  ENOENT: 'A file or directory fleet needed is missing (removed while it ran?): run the command again.',
  ENOTDIR: 'A path that should be a directory is a file: check the cache directory.',
  EISDIR: 'A path that should be a file is a directory: check the cache directory.',
  ECONNRESET: 'The connection was reset: check the network (or HF_ENDPOINT), then run the command again; it resumes.',
  ECONNREFUSED: 'The server refused the connection: check HF_ENDPOINT and the network.',
  ETIMEDOUT: 'The connection timed out: check the network, then run the command again; it resumes.',
  ENOTFOUND: 'The host name did not resolve: check the network and HF_ENDPOINT.',
  EAI_AGAIN: 'Name resolution failed for now: check the network, then run the command again.',
  EPIPE: 'The connection closed while writing: run the command again; it resumes.',
}

/**
 * A hint for an operating-system failure, or null when `error` is not one (then it is a bug). fetch wraps socket
 * errors ("fetch failed"), so the cause chain is followed a few levels.
 */
export function systemErrorHint(error: unknown): string | null {
  let current: unknown = error
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    const code = codeOf(current)
    if (code !== undefined && HINTS[code] !== undefined) return HINTS[code]
    current = typeof current === 'object' && 'cause' in current ? (current as { cause: unknown }).cause : undefined
  }
  return null
}
