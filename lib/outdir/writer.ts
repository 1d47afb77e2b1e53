/**
 * Writes the output folder all or nothing. Normally the new files go to a
 * temporary sibling folder that is then swapped in by two renames, so a
 * crash at any moment leaves the old or the new output whole (a run after a
 * crash between the renames puts the old folder back first); files that
 * stay as they are become hard links to the old ones. A folder that
 * cannot be renamed (a mount point, as with `docker run -v $PWD/dist:...`),
 * or whose parent cannot be written, is written in place: every file to a
 * temporary name inside, then renamed over, stale files removed last. The
 * folders' permissions are kept, and their owner when synth runs as root.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FileSystem, TEMP_INFIX } from './folder';

/**
 * A write of the folder `target` (absolute; its parent is created when
 * missing), file by file: each file {@link FolderWrite.put} goes to a new
 * sibling folder (or, in place, to a temporary name inside), and nothing
 * the folder shows changes until {@link FolderWrite.commit}; after a
 * failure, {@link FolderWrite.abort} removes what was put.
 */
export class FolderWrite {
  /** The new folder beside `target`; none when writing in place. */
  private tmp?: string;
  private readonly prefix: string;
  /** `target` as it was; none when missing. */
  private readonly stat?: fs.Stats;
  /** The files put, with their temporary paths when in place. */
  private readonly files = new Map<string, string>();
  private readonly chown: (p: string) => void;

  constructor(
    private readonly target: string,
    private readonly io: FileSystem = fs,
  ) {
    const parent = path.dirname(target);
    io.mkdirSync(parent, { recursive: true });
    this.stat = io.statSync(target, { throwIfNoEntry: false });
    this.prefix = path.join(parent, `.${path.basename(target)}${TEMP_INFIX}`);
    const stat = this.stat;
    this.chown = stat !== undefined && ownedByOther(stat) ? (p) => io.chownSync(p, stat.uid, stat.gid) : () => undefined;
    // A folder on a device of its own (a mount point) is written in place.
    if (stat !== undefined && stat.dev !== io.statSync(parent).dev) return;
    try {
      this.tmp = io.mkdtempSync(`${this.prefix}new-`);
    } catch (e) {
      // A parent that cannot be written (a mount point in a read-only container): write in place.
      if (stat === undefined || !['EROFS', 'EACCES', 'EPERM'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
    }
  }

  /** Writes `file` (relative to the folder) with `text`, out of sight until {@link FolderWrite.commit}. */
  put(file: string, text: string): void {
    if (this.tmp !== undefined) {
      const dest = path.join(this.tmp, file);
      this.io.mkdirSync(path.dirname(dest), { recursive: true });
      this.io.writeFileSync(dest, text, 'utf8');
      this.files.set(file, dest);
      return;
    }
    const tmp = path.join(this.target, path.dirname(file), `.${path.basename(file)}${TEMP_INFIX}new`);
    this.inPlaceFolder(path.dirname(file));
    this.files.set(file, tmp);
    this.io.writeFileSync(tmp, text, 'utf8');
    this.chown(tmp);
  }

  /** The text of `file` as put. */
  read(file: string): string {
    const at = this.files.get(file);
    if (at === undefined) throw new Error(`internal: ${file} was not put`);
    return this.io.readFileSync(at, 'utf8');
  }

  /**
   * Makes the folder hold exactly the files put and those of `reuse`.
   * @param reuse files now in the folder (relative paths) that stay as they are: hard links in the new folder, or left alone in place
   * @param previous the files now in the folder (relative paths), removed when neither put nor in `reuse`
   */
  commit(reuse: ReadonlySet<string>, previous: Iterable<string>): void {
    const { io, target, stat } = this;
    const tmp = this.tmp;
    if (tmp === undefined) {
      this.commitInPlace(reuse, previous);
      return;
    }
    linkFiles(target, tmp, reuse, io);
    io.chmodSync(tmp, stat ? stat.mode & 0o7777 : 0o777 & ~process.umask());
    if (stat !== undefined) keepAttributes(tmp, target, stat, [...this.files.keys(), ...reuse], io);
    if (stat === undefined) {
      io.renameSync(tmp, target);
      this.tmp = undefined;
      return;
    }
    const old = `${this.prefix}old-${path.basename(tmp).slice(-6)}`;
    try {
      io.renameSync(target, old);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EBUSY' && code !== 'EXDEV') throw e;
      // The folder cannot be moved (a mount point): the files put go in place instead.
      this.moveInPlace(tmp);
      this.commitInPlace(reuse, previous);
      return;
    }
    io.renameSync(tmp, target);
    this.tmp = undefined;
    io.rmSync(old, { recursive: true, force: true });
  }

  /** Removes what was put; the folder stays as it was. */
  abort(): void {
    if (this.tmp !== undefined) this.io.rmSync(this.tmp, { recursive: true, force: true });
    else for (const tmp of this.files.values()) this.io.rmSync(tmp, { force: true });
    this.tmp = undefined;
    this.files.clear();
  }

  /** Moves the files put in the new folder `tmp` to their temporary names in the folder itself, then removes `tmp`. */
  private moveInPlace(tmp: string): void {
    const put = [...this.files.keys()];
    this.files.clear();
    this.tmp = undefined;
    try {
      for (const file of put) {
        const dest = path.join(this.target, path.dirname(file), `.${path.basename(file)}${TEMP_INFIX}new`);
        this.inPlaceFolder(path.dirname(file));
        this.files.set(file, dest);
        this.io.copyFileSync(path.join(tmp, file), dest);
        this.chown(dest);
      }
    } finally {
      this.io.rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** Creates the folder `dir` (relative) and its parents in the folder itself, where missing. */
  private inPlaceFolder(dir: string): void {
    if (dir === '.' || this.io.existsSync(path.join(this.target, dir))) return;
    this.inPlaceFolder(path.dirname(dir));
    this.io.mkdirSync(path.join(this.target, dir));
    this.chown(path.join(this.target, dir));
  }

  /** In place: each file put renamed over its old version, then stale files removed (`reuse` left alone). */
  private commitInPlace(reuse: ReadonlySet<string>, previous: Iterable<string>): void {
    for (const [file, tmp] of this.files) this.io.renameSync(tmp, path.join(this.target, file));
    const put = new Set(this.files.keys());
    this.files.clear();
    for (const file of previous) {
      if (put.has(file) || reuse.has(file)) continue;
      this.io.rmSync(path.join(this.target, file), { force: true });
      removeEmptyParents(this.target, path.dirname(file), this.io);
    }
  }
}

/** The folders below the output folder that `files` (relative paths) need, parents first. */
function folders(files: Iterable<string>): string[] {
  const dirs = new Set<string>();
  for (const file of files) for (let d = path.dirname(file); d !== '.' && !dirs.has(d); d = path.dirname(d)) dirs.add(d);
  return [...dirs].sort();
}

/**
 * Gives the new tree `tmp` what the old folder `target` had: each subfolder
 * its old permissions and, when synth runs as root (e.g. in a container),
 * every file and folder the old folder's owner.
 */
function keepAttributes(tmp: string, target: string, stat: fs.Stats, files: readonly string[], io: FileSystem): void {
  for (const dir of folders(files)) {
    const old = io.statSync(path.join(target, dir), { throwIfNoEntry: false });
    if (old?.isDirectory()) io.chmodSync(path.join(tmp, dir), old.mode & 0o7777);
  }
  if (!ownedByOther(stat)) return;
  for (const p of ['', ...folders(files), ...files]) io.chownSync(path.join(tmp, p), stat.uid, stat.gid);
}

/** True when synth runs as root and the folder belongs to someone else: new files should then be theirs. */
function ownedByOther(stat: fs.Stats): boolean {
  return process.getuid?.() === 0 && (stat.uid !== 0 || stat.gid !== 0);
}

/** Gives the new tree `tmp` the files `reuse` of the old folder `target` as they are: hard links, or copies where links fail. */
function linkFiles(target: string, tmp: string, reuse: ReadonlySet<string>, io: FileSystem): void {
  for (const file of reuse) {
    const dest = path.join(tmp, file);
    io.mkdirSync(path.dirname(dest), { recursive: true });
    try {
      io.linkSync(path.join(target, file), dest);
    } catch {
      io.copyFileSync(path.join(target, file), dest);
    }
  }
}

/** Removes `rel` (a folder below `target`) and its parents up to `target` while they are empty. */
function removeEmptyParents(target: string, rel: string, io: FileSystem): void {
  for (let dir = rel; dir !== '.' && dir !== ''; dir = path.dirname(dir)) {
    const abs = path.join(target, dir);
    if (io.readdirSync(abs).length > 0) return;
    io.rmdirSync(abs);
  }
}

/**
 * Cleans what an interrupted synth left: puts the old folder back when a
 * crash came between the two renames, then removes temporary folders beside
 * `target` and temporary files inside it.
 */
export function cleanLeftovers(target: string, io: FileSystem = fs): void {
  const parent = path.dirname(target);
  const prefix = `.${path.basename(target)}${TEMP_INFIX}`;
  const leftovers = (io.existsSync(parent) ? io.readdirSync(parent) : []).filter((n) => n.startsWith(prefix)).sort();
  const old = leftovers.find((n) => n.startsWith(`${prefix}old-`));
  if (old !== undefined && !io.existsSync(target)) io.renameSync(path.join(parent, old), target);
  for (const n of leftovers) io.rmSync(path.join(parent, n), { recursive: true, force: true });
  const walk = (dir: string) => {
    for (const e of io.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.name.includes(TEMP_INFIX)) io.rmSync(p, { recursive: true, force: true });
      else if (e.isDirectory()) walk(p);
    }
  };
  if (io.statSync(target, { throwIfNoEntry: false })?.isDirectory()) walk(target);
}
