/**
 * What synth learned about an output folder's files on this machine, kept
 * between runs in a local cache (a file of lib/local-cache.ts, never
 * committed): for each edge node's file it read, the file's size,
 * modification time and inode, the digest of its text and the objects it
 * holds. A file whose size, time and inode are the same again is known
 * without reading it, as Git's index knows a file unchanged; a hand edit
 * changes its time, so it is read (and caught) again. A file changed less
 * than {@link SETTLED_MS} before it was read is not remembered: an edit in
 * the same tick of the clock as synth's own write would keep the time the
 * cache saw.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cacheFileName, LocalCache, readCacheFile, writeCacheFile } from '../local-cache';
import { objectId, ObjectId } from './documents';
import type { FileSystem } from './folder';

/** What is known of a file: the digest of its text and its objects. */
export interface KnownFile {
  /** Digest of its text (`contentDigest`). */
  readonly content: string;
  /** Its objects' identities, in order. */
  readonly ids: readonly ObjectId[];
}

/** How long before it is read a file must have last changed for the cache to remember it (2 s: FAT's time stamps). */
const SETTLED_MS = 2000;

/** One file's entry: size, mtime (ms), inode, digest of its text, its objects (one `apiVersion|kind|namespace|name` a line). */
type Entry = [size: number, mtimeMs: number, ino: number, content: string, ids: string];

/** The cache of one output folder (see the module's comment). */
export class StatCache {
  /** The entries read from the cache, by file (relative). */
  private readonly entries: ReadonlyMap<string, Entry>;
  /** The entries still true this run, and those learned: what is saved. */
  private readonly valid = new Map<string, Entry>();
  /** The stat {@link StatCache.known} took of each file it did not know: what {@link StatCache.learn} records once the file is read. */
  private readonly unknown = new Map<string, fs.Stats>();
  private readonly name: string;
  private learned = 0;

  /**
   * The cache of the output folder `target` (absolute); empty when `cache`
   * is undefined, or holds no cache of `target` (or one that cannot be read).
   */
  constructor(
    private readonly cache: LocalCache | undefined,
    private readonly target: string,
    private readonly io: FileSystem = fs,
  ) {
    this.name = cacheFileName('files', target);
    const files = readCacheFile(cache, this.name, io) as Record<string, Entry> | undefined;
    this.entries = new Map(typeof files === 'object' && files !== null ? Object.entries(files).filter(([, e]) => Array.isArray(e) && e.length === 5) : []);
  }

  /**
   * What is known of `file` (relative to the folder) without reading it; undefined when it may have changed (or the
   * cache is off). Its stat, taken here before the caller reads the file, is what {@link StatCache.learn} records.
   */
  known(file: string): KnownFile | undefined {
    if (this.cache === undefined) return undefined;
    const stat = this.io.lstatSync(path.join(this.target, file), { throwIfNoEntry: false });
    const entry = this.entries.get(file);
    if (stat === undefined || !stat.isFile()) return undefined;
    if (entry === undefined || stat.size !== entry[0] || stat.mtimeMs !== entry[1] || stat.ino !== entry[2]) {
      this.unknown.set(file, stat);
      return undefined;
    }
    this.valid.set(file, entry);
    return { content: entry[3], ids: parseIds(entry[4]) };
  }

  /** Remembers what `file` holds, as read after {@link StatCache.known} found it unknown. */
  learn(file: string, known: KnownFile): void {
    const stat = this.unknown.get(file);
    this.unknown.delete(file);
    if (stat === undefined || stat.mtimeMs > Date.now() - SETTLED_MS) return;
    this.valid.set(file, [stat.size, stat.mtimeMs, stat.ino, known.content, known.ids.map(formatId).join('\n')]);
    this.learned++;
  }

  /** Writes the cache when this run learned something: the entries found true and those learned (the others are of files rewritten or removed). */
  save(): void {
    if (this.cache === undefined || this.learned === 0) return;
    writeCacheFile(this.cache, this.name, Object.fromEntries(this.valid), this.io);
  }
}

function formatId(id: ObjectId): string {
  return [id.apiVersion, id.kind, id.namespace ?? '', id.name].join('|');
}

function parseIds(text: string): ObjectId[] {
  if (text === '') return [];
  return text.split('\n').map((line) => {
    const [apiVersion, kind, namespace, name] = line.split('|');
    return objectId(apiVersion, kind, namespace, name);
  });
}
