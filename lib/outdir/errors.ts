/**
 * Output folder problems as one-line messages with their own exit codes:
 * what went wrong, where, and what to do. Never a stack trace.
 */
import { EXIT } from '../exit-codes';

/** A problem with the output folder or the file system under it; `message` is the whole line to print. */
export class OutputError extends Error {
  /**
   * @param message one line: `<folder>: error: <what happened>; <what to do>`
   * @param exitCode one of {@link EXIT}
   */
  constructor(message: string, public readonly exitCode: number) {
    super(message);
    this.name = 'OutputError';
  }
}

/**
 * The {@link OutputError} for a failed file system call while writing
 * `outdir`, or undefined when `e` is not an errno error (a bug, reported as
 * an internal error).
 */
export function fileSystemError(e: unknown, outdir: string): OutputError | undefined {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code !== 'string' || !/^E[A-Z]+$/.test(err.code)) return undefined;
  const where = err.path ? ` (${err.syscall ?? 'access'} ${err.path})` : '';
  const untouched = `${outdir} was left as it was`;
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return new OutputError(
        `${outdir}: error: permission denied${where}; ${untouched}. Make the folder and its parent writable by this user, or choose another --outdir.`,
        EXIT.permissionDenied,
      );
    case 'EROFS':
      return new OutputError(`${outdir}: error: read-only file system${where}; ${untouched}. Mount it read-write, or choose another --outdir.`, EXIT.readOnly);
    case 'ENOSPC':
    case 'EDQUOT':
      return new OutputError(`${outdir}: error: no space left on the device${where}; ${untouched}. Free some space and run again.`, EXIT.noSpace);
    case 'ENOTDIR':
      return new OutputError(`${outdir}: error: a part of the path is a file, not a folder${where}; ${untouched}. Check the path given to --outdir.`, EXIT.fileSystem);
    default:
      return new OutputError(`${outdir}: error: cannot write: ${err.code}${where}; ${untouched}. Check the path and the file system.`, EXIT.fileSystem);
  }
}
