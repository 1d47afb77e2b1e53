/**
 * The files of synth's local caches (the config's edge nodes,
 * config/yaml-source.ts; the output folder's files, outdir/stat-cache.ts):
 * JSON files in one folder, never committed, each named after what it is
 * the cache of. Only what makes a run faster is kept there, so a cache that
 * cannot be read is empty and one that cannot be written is skipped; the
 * folder keeps the {@link MAX_CACHE_FILES} most recently written.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** How many cache files the folder keeps (one per config file and per output folder synth was run with). */
const MAX_CACHE_FILES = 32;

/** The name of the cache file of `kind` for `of` (an absolute path): the path's digest, so any path gives a plain name. */
export function cacheFileName(kind: string, of: string): string {
  return `${kind}-${createHash('sha256').update(of).digest('hex').slice(0, 32)}.json`;
}

/** The value of the cache file `name` in `dir`; undefined when there is none or it is not JSON. */
export function readCacheFile(dir: string | undefined, name: string, io: typeof fs = fs): unknown {
  if (dir === undefined) return undefined;
  try {
    return JSON.parse(io.readFileSync(path.join(dir, name), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Writes `value` as the cache file `name` in `dir` (to a temporary file, then renamed), then drops the oldest files. */
export function writeCacheFile(dir: string, name: string, value: unknown, io: typeof fs = fs): void {
  const file = path.join(dir, name);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    io.mkdirSync(dir, { recursive: true });
    io.writeFileSync(tmp, JSON.stringify(value));
    io.renameSync(tmp, file);
    const files = io
      .readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .map((n) => ({ n, t: io.statSync(path.join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
      .sort((a, b) => b.t - a.t || (a.n < b.n ? -1 : 1));
    for (const { n } of files.slice(MAX_CACHE_FILES)) io.rmSync(path.join(dir, n), { force: true });
  } catch {
    io.rmSync(tmp, { force: true });
  }
}
