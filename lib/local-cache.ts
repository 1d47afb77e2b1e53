/**
 * The files of synth's local caches (the config's edge nodes,
 * config/yaml-source.ts; the output folder's files, outdir/stat-cache.ts):
 * JSON files in one folder, never committed, each named after what it is
 * the cache of and stamped with the version of the code that wrote it. Only
 * what makes a run faster is kept there, so a cache that cannot be read, or
 * was written by other code, is empty, and one that cannot be written is
 * skipped; the folder keeps the {@link MAX_CACHE_FILES} most recently written.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** Where the local caches are, and what may read them. */
export interface LocalCache {
  /** The folder of the caches' files. */
  readonly dir: string;
  /** The version of the code that fills them (the generator's digest): a cache another version wrote is not read. */
  readonly version: string;
}

/** How many cache files the folder keeps (one per config file and per output folder synth was run with). */
const MAX_CACHE_FILES = 32;

/** The name of the cache file of `kind` for `of` (an absolute path): the path's digest, so any path gives a plain name. */
export function cacheFileName(kind: string, of: string): string {
  return `${kind}-${createHash('sha256').update(of).digest('hex').slice(0, 32)}.json`;
}

/** The value of the cache file `name`; undefined when there is none, it is not JSON, or another version wrote it. */
export function readCacheFile(cache: LocalCache | undefined, name: string, io: typeof fs = fs): unknown {
  if (cache === undefined) return undefined;
  try {
    const file = JSON.parse(io.readFileSync(path.join(cache.dir, name), 'utf8')) as { version?: unknown; value?: unknown };
    return file.version === cache.version ? file.value : undefined;
  } catch {
    return undefined;
  }
}

/** Writes `value` as the cache file `name` (to a temporary file, then renamed), then drops the oldest files. */
export function writeCacheFile(cache: LocalCache, name: string, value: unknown, io: typeof fs = fs): void {
  const file = path.join(cache.dir, name);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    io.mkdirSync(cache.dir, { recursive: true });
    io.writeFileSync(tmp, JSON.stringify({ version: cache.version, value }));
    io.renameSync(tmp, file);
    const files = io
      .readdirSync(cache.dir)
      .filter((n) => n.endsWith('.json'))
      .map((n) => ({ n, t: io.statSync(path.join(cache.dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
      .sort((a, b) => b.t - a.t || (a.n < b.n ? -1 : 1));
    for (const { n } of files.slice(MAX_CACHE_FILES)) io.rmSync(path.join(cache.dir, n), { force: true });
  } catch {
    try {
      io.rmSync(tmp, { force: true });
    } catch {
      // Nothing was written.
    }
  }
}
