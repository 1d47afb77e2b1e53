/**
 * The output folder: where it really is (a symlink's target), whether synth
 * may write it, and what it holds. Synth writes only into a missing or empty
 * folder, or one it wrote before (it holds {@link MARKER}).
 */
import * as fs from 'fs';
import * as path from 'path';
import { EXIT } from '../exit-codes';
import { CurrentOutput, GENERATED_HEADER, MARKDOWN_HEADER } from '../synth';
import { OutputError } from './errors';
import type { StatCache } from './stat-cache';

/**
 * The file that marks a folder as written by synth. Its name has no
 * `.yaml`, `.yml` or `.json` extension, so `kubectl apply -R -f` and Argo
 * CD's directory source skip it.
 */
export const MARKER = '.nsfl-generated';

/** The marker's text. */
export const MARKER_TEXT = '# This folder is written by `npm run synth` of the Neursafe FL cdk8s app, which replaces everything in it.\n# Do not keep other files here.\n';

/** The infix of every temporary file and folder synth leaves behind when it is killed (see .gitignore). */
export const TEMP_INFIX = '.nsfl-tmp-';

/** The lock file inside the output folder, used when the folder's parent cannot be written. */
export const INNER_LOCK = '.nsfl-lock';

/** The file system calls the output code uses; tests pass a copy with some calls failing. */
export type FileSystem = typeof fs;

/** An output folder synth may write (see {@link readOutput} for what it holds). */
export interface Outdir {
  /** The folder as the user named it, for messages. */
  readonly shown: string;
  /** The absolute path written: a symlink's target, so the link stays a link. */
  readonly target: string;
  /** Whether the folder holds the marker. */
  readonly marked: boolean;
}

/**
 * Resolves `outdir` and checks that synth may write it, reading no more of
 * a folder without the marker than needed to find a file synth did not write.
 * @param configFile the config being synthesized: the output folder must not hold it
 * @throws OutputError (exit {@link EXIT.refusedOutdir}) naming the reason, before anything is touched
 */
export function openOutdir(outdir: string, configFile: string, io: FileSystem = fs): Outdir {
  const shown = shownName(outdir);
  const refuse = (why: string) =>
    new OutputError(`${shown}: error: not an output folder of synth: ${why}. Nothing was changed; choose a missing, empty or generated folder with --outdir.`, EXIT.refusedOutdir);
  let target = path.resolve(outdir);
  if (io.lstatSync(target, { throwIfNoEntry: false })?.isSymbolicLink()) {
    try {
      target = io.realpathSync(target);
    } catch {
      throw refuse('it is a symbolic link to a missing folder');
    }
  }
  if (path.dirname(target) === target) throw refuse('it is the root folder');
  const inside = (p: string) => p === target || p.startsWith(target + path.sep);
  if (inside(path.resolve(configFile))) throw refuse(`it holds the config file ${configFile}`);
  if (inside(process.cwd())) throw refuse('it is the current folder or one of its parents');
  const stat = io.statSync(target, { throwIfNoEntry: false });
  if (stat === undefined) return { shown, target, marked: false };
  if (!stat.isDirectory()) throw refuse('it is a file, not a folder');
  if (io.existsSync(path.join(target, '.git'))) throw refuse('it holds a Git repository (.git)');
  const marked = io.existsSync(path.join(target, MARKER));
  if (!marked) {
    // A folder written before the marker existed: every file starts with the generated header (a Markdown comment in README.md).
    const headers = [GENERATED_HEADER, MARKDOWN_HEADER].map((h) => Buffer.from(h.slice(0, h.indexOf('.'))));
    const length = Math.max(...headers.map((h) => h.length));
    for (const rel of walkFiles(target, io)) {
      const head = Buffer.alloc(length);
      const fd = io.openSync(path.join(target, rel), 'r');
      try {
        io.readSync(fd, head, 0, head.length, 0);
      } finally {
        io.closeSync(fd);
      }
      if (!headers.some((h) => head.subarray(0, h.length).equals(h))) throw refuse(`it holds files synth did not write (e.g. ${rel}) and no ${MARKER} marker`);
    }
  }
  return { shown, target, marked };
}

/** The output folder as messages name it: as given, without trailing slashes. */
export function shownName(outdir: string): string {
  return outdir.replace(/\/+$/, '') || outdir;
}

/**
 * The paths of the generated files in the output folder (relative), sorted,
 * without the marker, the lock and temporary files of an interrupted synth;
 * none when the folder does not exist. No file is read.
 */
export function listOutput(dir: Outdir, io: FileSystem = fs): string[] {
  if (!io.statSync(dir.target, { throwIfNoEntry: false })?.isDirectory()) return [];
  return [...walkFiles(dir.target, io)].filter((rel) => rel !== MARKER).sort();
}

/**
 * The output folder's files, each read when asked for (see {@link CurrentOutput}); with `cache`, what it knows
 * of them without reading, and what is learned from the files read.
 */
export function currentOutput(dir: Outdir, io: FileSystem = fs, cache?: StatCache): CurrentOutput {
  return {
    read(file) {
      try {
        return io.readFileSync(path.join(dir.target, file), 'utf8');
      } catch (e) {
        if (['ENOENT', 'EISDIR', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) return undefined;
        throw e;
      }
    },
    known: cache && ((file) => cache.known(file)),
    learn: cache && ((file, known) => cache.learn(file, known)),
  };
}

/** The relative paths of the files below `dir`, lazily, without temporary files of an interrupted synth or the lock. */
function* walkFiles(dir: string, io: FileSystem, rel = ''): Generator<string> {
  for (const e of io.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    if (e.name.includes(TEMP_INFIX) || (rel === '' && e.name === INNER_LOCK)) continue;
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) yield* walkFiles(dir, io, p);
    else yield p;
  }
}
