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
 * Replaces the folder `target` (absolute; its parent is created when
 * missing) with exactly `files` and the files of `reuse`.
 * @param reuse files now in the folder (relative paths) that stay as they are: hard links in the new folder, or left alone in place
 * @param previous the files now in the folder (relative paths), removed when in neither `files` nor `reuse`
 */
export function writeFolder(target: string, files: ReadonlyMap<string, string>, reuse: ReadonlySet<string>, previous: Iterable<string>, io: FileSystem = fs): void {
  const parent = path.dirname(target);
  io.mkdirSync(parent, { recursive: true });
  const stat = io.statSync(target, { throwIfNoEntry: false });
  if (stat !== undefined && stat.dev !== io.statSync(parent).dev) {
    writeInPlace(target, files, reuse, previous, io);
    return;
  }
  const prefix = path.join(parent, `.${path.basename(target)}${TEMP_INFIX}`);
  let tmp: string;
  try {
    tmp = io.mkdtempSync(`${prefix}new-`);
  } catch (e) {
    // A parent that cannot be written (a mount point in a read-only container): write in place.
    if (stat === undefined || !['EROFS', 'EACCES', 'EPERM'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
    writeInPlace(target, files, reuse, previous, io);
    return;
  }
  try {
    writeFiles(tmp, files, io);
    linkFiles(target, tmp, reuse, io);
    io.chmodSync(tmp, stat ? stat.mode & 0o7777 : 0o777 & ~process.umask());
    if (stat !== undefined) keepAttributes(tmp, target, stat, [...files.keys(), ...reuse], io);
    if (stat === undefined) {
      io.renameSync(tmp, target);
      return;
    }
    const old = `${prefix}old-${path.basename(tmp).slice(-6)}`;
    try {
      io.renameSync(target, old);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EBUSY' && code !== 'EXDEV') throw e;
      io.rmSync(tmp, { recursive: true, force: true });
      writeInPlace(target, files, reuse, previous, io);
      return;
    }
    io.renameSync(tmp, target);
    io.rmSync(old, { recursive: true, force: true });
  } catch (e) {
    io.rmSync(tmp, { recursive: true, force: true });
    throw e;
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

/** Writes `files` below `dir`. */
function writeFiles(dir: string, files: ReadonlyMap<string, string>, io: FileSystem): void {
  for (const [file, text] of files) {
    const dest = path.join(dir, file);
    io.mkdirSync(path.dirname(dest), { recursive: true });
    io.writeFileSync(dest, text, 'utf8');
  }
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

/** Writes into `target` itself: all files to temporary names, then each renamed over its old version, then stale files removed (`reuse` left alone). */
function writeInPlace(target: string, files: ReadonlyMap<string, string>, reuse: ReadonlySet<string>, previous: Iterable<string>, io: FileSystem): void {
  const temps = new Map([...files.keys()].map((f) => [f, path.join(target, path.dirname(f), `.${path.basename(f)}${TEMP_INFIX}new`)]));
  const stat = io.statSync(target);
  const chown = ownedByOther(stat) ? (p: string) => io.chownSync(p, stat.uid, stat.gid) : () => undefined;
  try {
    for (const dir of folders(files.keys())) {
      if (io.existsSync(path.join(target, dir))) continue;
      io.mkdirSync(path.join(target, dir));
      chown(path.join(target, dir));
    }
    for (const [file, text] of files) {
      const tmp = temps.get(file)!;
      io.writeFileSync(tmp, text, 'utf8');
      chown(tmp);
    }
  } catch (e) {
    for (const tmp of temps.values()) io.rmSync(tmp, { force: true });
    throw e;
  }
  for (const [file, tmp] of temps) io.renameSync(tmp, path.join(target, file));
  for (const file of previous) {
    if (files.has(file) || reuse.has(file)) continue;
    io.rmSync(path.join(target, file), { force: true });
    removeEmptyParents(target, path.dirname(file), io);
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
