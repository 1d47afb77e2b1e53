/**
 * One synth at a time per output folder: a lock file beside the folder
 * (inside it when the parent cannot be written, e.g. a mount point in a
 * read-only container), created exclusively, holding the writer's host and
 * process id. A lock left by a process that no longer runs on this host is
 * taken over.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EXIT } from '../exit-codes';
import { OutputError } from './errors';
import { FileSystem, INNER_LOCK } from './folder';

/** The lock file of the output folder `target` (absolute): `.<name>.nsfl-lock` beside it. */
export function lockPath(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.nsfl-lock`);
}

/** Creates the lock file exclusively: beside `target`, or inside it when the parent is read-only. */
function create(target: string, owner: string, io: FileSystem): string {
  const file = lockPath(target);
  io.mkdirSync(path.dirname(file), { recursive: true });
  try {
    io.writeFileSync(file, owner, { flag: 'wx' });
    return file;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!['EROFS', 'EACCES', 'EPERM'].includes(code ?? '') || !io.statSync(target, { throwIfNoEntry: false })?.isDirectory()) throw e;
    const inner = path.join(target, INNER_LOCK);
    io.writeFileSync(inner, owner, { flag: 'wx' });
    return inner;
  }
}

/**
 * Runs `fn` holding the output folder's lock.
 * @throws OutputError (exit {@link EXIT.outdirInUse}) when another synth holds it
 */
export function withLock<T>(target: string, shown: string, fn: () => T, io: FileSystem = fs): T {
  const owner = `${os.hostname()} ${process.pid}\n`;
  let file: string;
  for (let attempt = 0; ; attempt++) {
    try {
      file = create(target, owner, io);
      break;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'EEXIST' || typeof err.path !== 'string') throw e;
      file = err.path;
      const holder = io.readFileSync(file, 'utf8').trim();
      if (attempt === 0 && isStale(holder)) {
        io.rmSync(file, { force: true });
        continue;
      }
      throw new OutputError(
        `${shown}: error: another synth is writing this folder (lock ${file} held by ${holder || 'an unknown process'}); wait for it to finish and run again, or delete the lock file if no synth ` +
          `is running.`,
        EXIT.outdirInUse,
      );
    }
  }
  try {
    return fn();
  } finally {
    io.rmSync(file, { force: true });
  }
}

/** True when the lock's holder is a process of this host that no longer runs. */
function isStale(holder: string): boolean {
  const [host, pid] = holder.split(' ');
  if (host !== os.hostname() || !/^\d+$/.test(pid ?? '')) return false;
  if (Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
