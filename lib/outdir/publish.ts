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
import { FileSystem, MARKER, MARKER_TEXT, openOutdir, readOutput, shownName } from './folder';
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

/** `files` and the marker. */
function withMarker(files: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...files, [MARKER, MARKER_TEXT]]);
}

/**
 * Makes `outdir` hold exactly `files` (and the marker), writing nothing when
 * it already does.
 * @throws OutputError for a refused folder, a change to an immutable field, a held lock or a file system error
 */
export function publish(outdir: string, files: ReadonlyMap<string, string>, options: PublishOptions): Published {
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
        const before = readOutput(dir, io);
        const next = new Map(files);
        const changes = diffFiles(before, next);
        const recreated = guardImmutable(shown, changes, before, next, options.allowRecreate === true);
        const summary = summarize(changes, before, next);
        if (changes.length > 0 || !dir.marked) writeFolder(target, withMarker(next), before.keys(), io);
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
 * One line per file where `outdir` differs from `files` (and the marker):
 * differs, missing or extra; empty when it matches. Writes nothing.
 * @param configFile the config synthesized (the output folder must not hold it)
 * @throws OutputError when `outdir` is not an output folder of synth, or cannot be read
 */
export function checkOutdir(outdir: string, files: ReadonlyMap<string, string>, configFile: string): string[] {
  const describe = { changed: 'differs from what the config gives', added: 'is missing', removed: 'is not generated by the config (extra file)' };
  try {
    const dir = openOutdir(outdir, configFile);
    const found = dir.marked ? withMarker(readOutput(dir)) : readOutput(dir);
    return diffFiles(found, withMarker(files)).map((c) => `${dir.shown}/${c.file}: ${describe[c.status]}`);
  } catch (e) {
    throw fileSystemError(e, shownName(outdir)) ?? e;
  }
}
