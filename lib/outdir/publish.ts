/**
 * Synth's last step: compare the new output with the output folder, then
 * write it (`npm run synth`) or only report the drift (`--check`).
 */
import * as fs from 'fs';
import { Yaml } from 'cdk8s';
import { parse } from 'yaml';
import { EXIT } from '../exit-codes';
import { diffFiles, FileChange, summarize } from './diff';
import { documentIndex, documents, isManifest, replaceDocument } from './documents';
import { fileSystemError, OutputError } from './errors';
import type { CurrentOutput } from '../synth';
import { currentOutput, FileSystem, MARKER, MARKER_TEXT, openOutdir, Outdir, readOutput, shownName } from './folder';
import { immutableChanges, markForRecreate } from './immutable';
import { withLock } from './lock';
import { cleanLeftovers, writeFolder } from './writer';

/** What a write did. */
export interface Published {
  /** The change summary (see {@link summarize}); empty when nothing changed. */
  readonly summary: string[];
  /** Objects marked for recreation by Argo CD (`Kind namespace/name: fields`), with --allow-recreate. */
  readonly recreated: string[];
}

/** Options of {@link publish}. */
export interface PublishOptions {
  /** The config file synthesized (the output folder must not hold it). */
  readonly configFile: string;
  /** Proceed with changes to immutable fields, marking those objects for recreation. */
  readonly allowRecreate?: boolean;
  /** The file system; tests pass one with failing calls. */
  readonly io?: FileSystem;
}

/**
 * What to write: the files, or a function that gives them from the output folder as it is (read under the
 * lock), with the files it keeps there as they are (see `synthOutput`).
 */
export type OutputSource = ReadonlyMap<string, string> | ((current: CurrentOutput) => { readonly files: ReadonlyMap<string, string>; readonly kept: ReadonlySet<string> });

/** The files of `source` for the folder `dir`, and those it keeps there. */
function produce(source: OutputSource, dir: Outdir, io: FileSystem): { files: ReadonlyMap<string, string>; kept: ReadonlySet<string> } {
  return typeof source === 'function' ? source(currentOutput(dir, io)) : { files: source, kept: new Set() };
}

/** `files` and the marker. */
function withMarker(files: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...files, [MARKER, MARKER_TEXT]]);
}

/**
 * Makes `outdir` hold exactly the files of `source` (and the marker),
 * writing nothing when it already does, and only the files that changed
 * when it is written in place (the others are hard links when the folder is
 * swapped).
 * @throws OutputError for a refused folder, a change to an immutable field, a held lock or a file system error
 */
export function publish(outdir: string, source: OutputSource, options: PublishOptions): Published {
  const io = options.io ?? fs;
  try {
    const { target, shown } = openOutdir(outdir, options.configFile, io);
    return withLock(
      target,
      shown,
      () => {
        // Looked at again under the lock: another synth may have written it, or a killed one left it half swapped.
        cleanLeftovers(target, io);
        const dir = openOutdir(outdir, options.configFile, io);
        const { files, kept } = produce(source, dir, io);
        const before = readOutput(dir, io, kept);
        const next = new Map(files);
        const changes = diffFiles(before, next);
        const recreated = guardImmutable(shown, changes, before, next, options.allowRecreate === true);
        const summary = summarize(changes, before, next);
        if (changes.length > 0 || !dir.marked) {
          const reuse = new Set([...kept, ...[...next].filter(([file, text]) => before.get(file) === text).map(([file]) => file)]);
          writeFolder(target, withMarker(new Map([...next].filter(([file]) => !reuse.has(file)))), reuse, before.keys(), io);
        }
        return { summary, recreated };
      },
      io,
    );
  } catch (e) {
    throw fileSystemError(e, shownName(outdir)) ?? e;
  }
}

/**
 * Refuses changes to immutable fields, or, when allowed, marks the objects
 * for recreation in `next`.
 * @returns the marked objects
 */
function guardImmutable(shown: string, changes: readonly FileChange[], before: ReadonlyMap<string, string>, next: Map<string, string>, allow: boolean): string[] {
  const differing = changes.filter((c) => isManifest(c.file));
  const found = immutableChanges(
    differing.flatMap((c) => documents(c.file, before.get(c.file))),
    differing.flatMap((c) => documents(c.file, next.get(c.file))),
  );
  const refused = found.filter((f) => !allow || !f.recreatable);
  if (refused.length > 0) {
    const lines = refused.map((f) => {
      const what = f.recreatable
        ? 'revert that config change, or run again with --allow-recreate to have Argo CD delete and recreate the object on its next sync'
        : 'it cannot be recreated without losing data, so revert that config change or migrate by hand';
      return `${shown}/${f.doc.file}: error: ${f.object}: ${f.fields.join(', ')} cannot change on a live object (Kubernetes refuses the update); ${what}.${f.advice ? ` ${f.advice}` : ''}`;
    });
    throw new OutputError(`${lines.join('\n')}\n${refused.length} object${refused.length === 1 ? '' : 's'} would change immutable fields; nothing was written.`, EXIT.immutableChange);
  }
  for (const { doc } of found) {
    const text = next.get(doc.file)!;
    const obj = parse(doc.text);
    markForRecreate(obj);
    next.set(doc.file, replaceDocument(text, documentIndex(text, doc), Yaml.stringify(obj)));
  }
  return found.map((f) => `${f.object}: ${f.fields.join(', ')}`);
}

/**
 * One line per file where `outdir` differs from the files of `source` (and
 * the marker): differs, missing or extra; empty when it matches. Writes nothing.
 * @param configFile the config synthesized (the output folder must not hold it)
 * @throws OutputError when `outdir` is not an output folder of synth, or cannot be read
 */
export function checkOutdir(outdir: string, source: OutputSource, configFile: string): string[] {
  const describe = { changed: 'differs from what the config gives', added: 'is missing', removed: 'is not generated by the config (extra file)' };
  try {
    const dir = openOutdir(outdir, configFile);
    const { files, kept } = produce(source, dir, fs);
    const found = dir.marked ? withMarker(readOutput(dir, fs, kept)) : readOutput(dir, fs, kept);
    return diffFiles(found, withMarker(files)).map((c) => `${dir.shown}/${c.file}: ${describe[c.status]}`);
  } catch (e) {
    throw fileSystemError(e, shownName(outdir)) ?? e;
  }
}
