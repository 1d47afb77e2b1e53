/**
 * Writes the output folder all or nothing. A rewrite that changes few files
 * (at most {@link IN_PLACE_LIMIT} written or removed) is done in place:
 * every file goes to a temporary name inside the folder, then a journal
 * lists the renames and removals that make the new output, and they are
 * done; a crash before the journal leaves the old output (the next run
 * removes the temporary files), one after it the new (the next run finishes
 * the journal). A bigger rewrite, or a first write, goes to a temporary
 * sibling folder that is then swapped in by two renames, so a crash at any
 * moment leaves the old or the new output whole (a run after a crash
 * between the renames puts the old folder back first); files that stay as
 * they are become hard links to the old ones. A folder that cannot be
 * renamed (a mount point, as with `docker run -v $PWD/dist:...`), or whose
 * parent cannot be written, is always written in place. The folders'
 * permissions are kept, and their owner when synth runs as root.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FileSystem, TEMP_INFIX } from './folder';

/**
 * At most this many files written or removed are committed in place rather
 * than by swapping the folder: a few renames cost less than linking every
 * kept file into a new folder and removing the old one, and take as little
 * time as the swap's two renames.
 */
export const IN_PLACE_LIMIT = 100;

/** The journal of an in-place commit, in the folder: the renames and removals that make the new output. */
const JOURNAL = `${TEMP_INFIX}commit`;

/** What an in-place commit does (see {@link JOURNAL}). */
interface Journal {
  /** Files (relative) renamed from their temporary name ({@link inPlaceTemp}) over their old version. */
  readonly put: readonly string[];
  /** Files (relative) removed. */
  readonly removed: readonly string[];
}

/**
 * A write of the folder `target` (absolute; its parent is created when
 * missing), file by file: each file {@link FolderWrite.put} goes to a
 * temporary name inside the folder, or to a new sibling folder once more
 * than {@link IN_PLACE_LIMIT} are put (or the folder is missing), and
 * nothing the folder shows changes until {@link FolderWrite.commit}; after
 * a failure, {@link FolderWrite.abort} removes what was put.
 */
export class FolderWrite {
  /** The new folder beside `target`; none while writing in place. */
  private tmp?: string;
  private readonly prefix: string;
  /** `target` as it was; none when missing. */
  private readonly stat?: fs.Stats;
  /** Whether the folder may be swapped (it is no mount point, and its parent can be written, as far as known). */
  private swappable: boolean;
  /** The files put, with where they are written. */
  private readonly files = new Map<string, string>();
  /** Subfolders (relative) created in the folder itself for files put in place, parents first. */
  private readonly created: string[] = [];
  /** The folders made in the new folder so far (absolute): each is made once. */
  private readonly made = new Set<string>();
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
    this.swappable = stat === undefined || stat.dev === io.statSync(parent).dev;
    if (stat === undefined) this.tmp = io.mkdtempSync(`${this.prefix}new-`);
  }

  /** Writes `file` (relative to the folder) with `text`, out of sight until {@link FolderWrite.commit}. */
  put(file: string, text: string): void {
    if (this.tmp === undefined && this.files.size >= IN_PLACE_LIMIT) this.swapInstead();
    if (this.tmp !== undefined) {
      const dest = path.join(this.tmp, file);
      this.makeFolder(path.dirname(dest));
      this.io.writeFileSync(dest, text, 'utf8');
      this.files.set(file, dest);
      return;
    }
    const tmp = inPlaceTemp(this.target, file);
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
    const removed = [...previous].filter((f) => !this.files.has(f) && !reuse.has(f));
    if (this.tmp === undefined && this.files.size + removed.length > IN_PLACE_LIMIT) this.swapInstead();
    const { io, target, stat } = this;
    const tmp = this.tmp;
    if (tmp === undefined) {
      this.commitInPlace(reuse, removed);
      return;
    }
    linkFiles(target, tmp, reuse, io, (dir) => this.makeFolder(dir));
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
      this.commitInPlace(reuse, removed);
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
    this.removeCreated();
    this.tmp = undefined;
    this.files.clear();
  }

  /**
   * Moves the files put in place so far to a new sibling folder, which the commit will swap in; stays in place when
   * the folder cannot be swapped or its parent cannot be written (a mount point in a read-only container).
   */
  private swapInstead(): void {
    if (!this.swappable) return;
    let tmp: string;
    try {
      tmp = this.io.mkdtempSync(`${this.prefix}new-`);
    } catch (e) {
      if (!['EROFS', 'EACCES', 'EPERM'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
      this.swappable = false;
      return;
    }
    for (const [file, at] of this.files) {
      const dest = path.join(tmp, file);
      this.makeFolder(path.dirname(dest));
      this.io.renameSync(at, dest);
      this.files.set(file, dest);
    }
    this.removeCreated();
    this.tmp = tmp;
  }

  /** Makes the folder `dir` (absolute, in the new folder) and its parents, once. */
  private makeFolder(dir: string): void {
    if (this.made.has(dir)) return;
    this.io.mkdirSync(dir, { recursive: true });
    this.made.add(dir);
  }

  /** Removes the subfolders created for files put in place, where they are empty again. */
  private removeCreated(): void {
    for (const dir of this.created.reverse()) {
      const abs = path.join(this.target, dir);
      if (this.io.readdirSync(abs).length === 0) this.io.rmdirSync(abs);
    }
    this.created.length = 0;
  }

  /** Moves the files put in the new folder `tmp` to their temporary names in the folder itself, then removes `tmp`. */
  private moveInPlace(tmp: string): void {
    const put = [...this.files.keys()];
    this.files.clear();
    this.tmp = undefined;
    this.swappable = false;
    try {
      for (const file of put) {
        const dest = inPlaceTemp(this.target, file);
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
    this.created.push(dir);
  }

  /**
   * In place: the journal of the renames and removals written, then they are done, then the journal removed; as
   * root, the files kept (`reuse`) become the folder owner's too, as in a swap.
   */
  private commitInPlace(reuse: ReadonlySet<string>, removed: readonly string[]): void {
    const journal: Journal = { put: [...this.files.keys()], removed };
    if (this.stat !== undefined && ownedByOther(this.stat)) giveOwner(this.target, [...reuse], this.stat, this.io);
    const at = path.join(this.target, JOURNAL);
    this.io.writeFileSync(`${at}-new`, JSON.stringify(journal), 'utf8');
    this.io.renameSync(`${at}-new`, at);
    this.files.clear();
    this.created.length = 0;
    finish(this.target, journal, this.io);
    this.io.rmSync(at);
  }
}

/** Where a file put in place is written until the commit renames it. */
function inPlaceTemp(target: string, file: string): string {
  return path.join(target, path.dirname(file), `.${path.basename(file)}${TEMP_INFIX}new`);
}

/** The journal at `file`; none when there is none, or it is damaged (a crash of the machine before it reached the disk). */
function readJournal(file: string, io: FileSystem): Journal | undefined {
  let journal: Journal;
  try {
    journal = JSON.parse(io.readFileSync(file, 'utf8')) as Journal;
  } catch {
    return undefined;
  }
  const paths = (v: unknown) => Array.isArray(v) && v.every((p) => typeof p === 'string' && !path.isAbsolute(p) && !p.split('/').includes('..'));
  return paths(journal?.put) && paths(journal?.removed) ? journal : undefined;
}

/** Does what a journal lists; what was done already (a file renamed or removed before a crash) is skipped. */
function finish(target: string, journal: Journal, io: FileSystem): void {
  for (const file of journal.put) {
    const tmp = inPlaceTemp(target, file);
    if (io.existsSync(tmp)) io.renameSync(tmp, path.join(target, file));
  }
  for (const file of journal.removed) {
    io.rmSync(path.join(target, file), { force: true });
    removeEmptyParents(target, path.dirname(file), io);
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
  if (ownedByOther(stat)) giveOwner(tmp, files, stat, io);
}

/** Gives the folder `root`, `files` (relative) and the subfolders they are in the owner of `stat`. */
function giveOwner(root: string, files: readonly string[], stat: fs.Stats, io: FileSystem): void {
  for (const p of ['', ...folders(files), ...files]) io.chownSync(path.join(root, p), stat.uid, stat.gid);
}

/** True when synth runs as root and the folder belongs to someone else: new files should then be theirs. */
function ownedByOther(stat: fs.Stats): boolean {
  return process.getuid?.() === 0 && (stat.uid !== 0 || stat.gid !== 0);
}

/**
 * Gives the new tree `tmp` the files `reuse` of the old folder `target` as they are: hard links, or copies where
 * links fail; `makeFolder` makes the folder of each.
 */
function linkFiles(target: string, tmp: string, reuse: ReadonlySet<string>, io: FileSystem, makeFolder: (dir: string) => void): void {
  for (const file of reuse) {
    const dest = path.join(tmp, file);
    makeFolder(path.dirname(dest));
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
    if (!io.existsSync(abs)) continue;
    if (io.readdirSync(abs).length > 0) return;
    io.rmdirSync(abs);
  }
}

/**
 * Cleans what an interrupted synth left: puts the old folder back when a
 * crash came between the two renames of a swap, finishes an in-place commit
 * whose journal was written, then removes temporary folders beside `target`
 * and temporary files inside it.
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
  if (!io.statSync(target, { throwIfNoEntry: false })?.isDirectory()) return;
  const journal = readJournal(path.join(target, JOURNAL), io);
  if (journal !== undefined) finish(target, journal, io);
  walk(target);
}
