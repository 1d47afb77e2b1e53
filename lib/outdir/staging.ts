/**
 * The new output, taken file by file as synth renders it: each file is
 * compared with its version in the output folder when it comes, written
 * aside only when it differs (lib/outdir/writer.ts), and checked for
 * changes to immutable fields, so that no more than one file's text is held
 * at a time (an edge fleet's is large). Nothing the folder shows changes
 * until {@link Staging.finish}.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { EXIT } from '../exit-codes';
import type { OutputSink } from '../synth';
import { edgeNode, FileChange, summarize } from './diff';
import { documentIndex, documents, isManifest, ManifestDoc, replaceDocument } from './documents';
import { OutputError } from './errors';
import { FileSystem, MARKER, MARKER_TEXT, Outdir } from './folder';
import { ImmutableChange, immutableChanges, markForRecreate } from './immutable';
import { FolderWrite } from './writer';
import { yamlDocument } from '../render/yaml';

/** What a write did. */
export interface Published {
  /** The change summary (see {@link summarize}); empty when nothing changed. */
  readonly summary: string[];
  /** Objects marked for recreation by Argo CD (`Kind namespace/name: fields`), with --allow-recreate. */
  readonly recreated: string[];
}

const byFile = (a: { file: string }, b: { file: string }) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);

/** The new output for the folder `dir`, file by file (see the module's comment). */
export class Staging implements OutputSink {
  /** The folder's files (relative paths), as they were when synth began. */
  private readonly previous: ReadonlySet<string>;
  private readonly changes: FileChange[] = [];
  /** The old and new texts of the changed files the summary reads: all but edge nodes' files, which it names only. */
  private readonly before = new Map<string, string>();
  private readonly after = new Map<string, string>();
  /** Files put with the text they already had. */
  private readonly same = new Set<string>();
  private readonly taken = new Set<string>();
  private readonly found: ImmutableChange[] = [];
  /** Objects of the new files, and of the old ones that left their file, by identity: an object may move between files. */
  private readonly newAt = new Map<string, string>();
  private readonly leftFrom = new Map<string, string>();
  private write?: FolderWrite;

  constructor(
    private readonly dir: Outdir,
    previous: Iterable<string>,
    /** Mark objects whose immutable fields change for recreation (`--allow-recreate`) instead of refusing them. */
    private readonly allowRecreate: boolean,
    private readonly io: FileSystem = fs,
  ) {
    this.previous = new Set(previous);
  }

  /** Takes the new output's file `file` with the text `text`. */
  put(file: string, text: string): void {
    if (this.taken.has(file)) throw new Error(`internal: the output has two files ${file}`);
    this.taken.add(file);
    const old = this.previous.has(file) ? this.readOld(file) : undefined;
    if (old === text) {
      this.same.add(file);
      return;
    }
    this.changes.push({ file, status: old === undefined ? 'added' : 'changed' });
    let written = text;
    // Into an empty folder (a first synth) nothing can change or move: no file need be read as objects.
    if (isManifest(file) && this.previous.size > 0) {
      const now = documents(file, text);
      const was = documents(file, old);
      const here = new Set(now.map((d) => d.key));
      for (const d of now) this.newAt.set(d.key, file);
      for (const d of was) if (!here.has(d.key)) this.leftFrom.set(d.key, file);
      written = this.guard(written, immutableChanges(was, now));
    }
    if (edgeNode(file) === undefined) {
      if (old !== undefined) this.before.set(file, old);
      this.after.set(file, written);
    }
    (this.write ??= new FolderWrite(this.dir.target, this.io)).put(file, written);
  }

  /**
   * Makes the folder hold exactly the files put (and the marker), `kept` as
   * they are, writing nothing when it already did.
   * @param kept files of the folder that synth keeps as they are (not put)
   * @throws OutputError for a change to an immutable field (the caller then calls {@link Staging.abort})
   */
  finish(shown: string, kept: ReadonlySet<string>): Published {
    for (const file of this.previous) {
      if (this.taken.has(file) || kept.has(file)) continue;
      this.changes.push({ file, status: 'removed' });
      // Its objects, which may have moved to another file, and its text for the summary (which only names edge nodes).
      const summarized = edgeNode(file) === undefined;
      if (!isManifest(file) && !summarized) continue;
      const old = this.readOld(file);
      for (const d of documents(file, old)) this.leftFrom.set(d.key, file);
      if (summarized) this.before.set(file, old);
    }
    this.movedObjects();
    this.changes.sort(byFile);
    const found = [...this.found].sort((a, b) => byFile(a.doc, b.doc));
    const refused = found.filter((f) => !this.allowRecreate || !f.recreatable);
    if (refused.length > 0) throw refusal(shown, refused);
    const summary = summarize(this.changes, this.before, this.after);
    if (this.changes.length > 0 || !this.dir.marked) {
      const write = (this.write ??= new FolderWrite(this.dir.target, this.io));
      write.put(MARKER, MARKER_TEXT);
      write.commit(new Set([...this.same, ...kept]), this.previous);
      this.write = undefined;
    }
    return { summary, recreated: found.map((f) => `${f.object}: ${f.fields.join(', ')}`) };
  }

  /** Removes what was written aside; the folder stays as it was. */
  abort(): void {
    this.write?.abort();
    this.write = undefined;
  }

  /** The text of `file` in the folder as it was. */
  private readOld(file: string): string {
    return this.io.readFileSync(path.join(this.dir.target, file), 'utf8');
  }

  /**
   * Notes the immutable changes `changes` of one file's objects and, with `allowRecreate`, marks those that may be
   * recreated in `text`.
   * @returns `text`, marked
   */
  private guard(text: string, changes: readonly ImmutableChange[]): string {
    this.found.push(...changes);
    if (!this.allowRecreate) return text;
    let marked = text;
    for (const { doc, recreatable } of changes) {
      if (!recreatable) continue;
      const obj = parse(doc.text);
      markForRecreate(obj);
      marked = replaceDocument(marked, documentIndex(marked, doc), yamlDocument(obj));
    }
    return marked;
  }

  /** Checks the objects that moved from one file to another, as {@link Staging.put} checks those that stay. */
  private movedObjects(): void {
    const pairs = new Map<string, string[]>();
    for (const [key, from] of this.leftFrom) {
      const to = this.newAt.get(key);
      if (to === undefined || to === from) continue;
      pairs.set(`${from}\n${to}`, [...(pairs.get(`${from}\n${to}`) ?? []), key]);
    }
    for (const [pair, keys] of pairs) {
      const [from, to] = pair.split('\n');
      const wanted = new Set(keys);
      const pick = (docs: ManifestDoc[]) => docs.filter((d) => wanted.has(d.key));
      const text = this.write!.read(to);
      const marked = this.guard(text, immutableChanges(pick(documents(from, this.readOld(from))), pick(documents(to, text))));
      if (marked === text) continue;
      this.write!.put(to, marked);
      if (this.after.has(to)) this.after.set(to, marked);
    }
  }
}

/** The error for changes to immutable fields that may not proceed. */
function refusal(shown: string, refused: readonly ImmutableChange[]): OutputError {
  const lines = refused.map((f) => {
    const what = f.recreatable
      ? 'revert that config change, or run again with --allow-recreate to have Argo CD delete and recreate the object on its next sync'
      : 'it cannot be recreated without losing data, so revert that config change or migrate by hand';
    return `${shown}/${f.doc.file}: error: ${f.object}: ${f.fields.join(', ')} cannot change on a live object (Kubernetes refuses the update); ${what}.${f.advice ? ` ${f.advice}` : ''}`;
  });
  return new OutputError(`${lines.join('\n')}\n${refused.length} object${refused.length === 1 ? '' : 's'} would change immutable fields; nothing was written.`, EXIT.immutableChange);
}
