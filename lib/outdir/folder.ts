/**
 * The output folder: where it really is (a symlink's target), whether synth
 * may write it, and what it holds. Synth writes only into a missing or empty
 * folder, or one it wrote before (it holds {@link MARKER}).
 */
import * as fs from 'fs';
import * as path from 'path';
import { EXIT } from '../exit-codes';
import { GENERATED_HEADER } from '../synth';
import { OutputError } from './errors';

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

/** The file system calls the output code uses; tests pass a copy with some calls failing. */
export type FileSystem = typeof fs;

/** An output folder synth may write. */
export interface Outdir {
  /** The folder as the user named it, for messages. */
  readonly shown: string;
  /** The absolute path written: a symlink's target, so the link stays a link. */
  readonly target: string;
  /** Generated files now in the folder (relative path → text), the marker and temporary files left out. */
  readonly files: Map<string, string>;
}

/**
 * Resolves `outdir` and checks that synth may write it.
 * @param configFile the config being synthesized: the output folder must not hold it
 * @throws OutputError (exit {@link EXIT.refusedOutdir}) naming the reason, before anything is touched
 */
export function openOutdir(outdir: string, configFile: string, io: FileSystem = fs): Outdir {
  const shown = shownName(outdir);
  const refuse = (why: string) =>
    new OutputError(`${shown}: error: refusing to write the output here: ${why}. Nothing was changed; choose an empty or new folder with --outdir.`, EXIT.refusedOutdir);
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
  const config = path.resolve(configFile);
  if (inside(config)) throw refuse(`it holds the config file ${configFile}`);
  if (inside(process.cwd())) throw refuse('it is the current folder or one of its parents');
  const stat = io.statSync(target, { throwIfNoEntry: false });
  if (stat === undefined) return { shown, target, files: new Map() };
  if (!stat.isDirectory()) throw refuse('it is a file, not a folder');
  if (io.existsSync(path.join(target, '.git'))) throw refuse('it holds a Git repository (.git)');
  const files = readTree(target, io);
  const marked = files.delete(MARKER);
  // Folders written before the marker existed: every file carries the generated header.
  const header = GENERATED_HEADER.slice(0, GENERATED_HEADER.indexOf('.'));
  const generated = [...files.values()].every((text) => text.startsWith(header));
  if (!marked && !generated) {
    const other = [...files].find(([, text]) => !text.startsWith(header))?.[0];
    throw refuse(`it holds files synth did not write (e.g. ${other}) and no ${MARKER} marker`);
  }
  return { shown, target, files };
}

/** The output folder as messages name it: as given, without trailing slashes. */
export function shownName(outdir: string): string {
  return outdir.replace(/\/+$/, '') || outdir;
}

/**
 * Every file below `dir` (relative path → text), sorted, without temporary
 * files of an interrupted synth; empty when `dir` does not exist.
 */
export function readTree(dir: string, io: FileSystem = fs): Map<string, string> {
  const out: [string, string][] = [];
  const walk = (rel: string) => {
    for (const e of io.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (e.name.includes(TEMP_INFIX)) continue;
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else out.push([p, io.readFileSync(path.join(dir, p), 'utf8')]);
    }
  };
  if (io.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) walk('');
  return new Map(out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
