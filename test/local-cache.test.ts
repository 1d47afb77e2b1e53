/**
 * Synth's local caches (lib/local-cache.ts) only ever make a run faster: a
 * cache another version wrote, or one that is damaged, reads as none; one
 * that cannot be written is skipped; the folder keeps the most recent ones.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cacheFileName, readCacheFile, writeCacheFile } from '../lib/local-cache';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-cache-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a cache reads back for its version only; a damaged one reads as none', () => {
  const cache = { dir: path.join(dir, 'c'), version: 'v1' };
  const name = cacheFileName('files', '/some/dist');
  expect(name).toMatch(/^files-[0-9a-f]{32}\.json$/);
  expect(readCacheFile(cache, name)).toBeUndefined();
  writeCacheFile(cache, name, { a: [1, 'x'] });
  expect(readCacheFile(cache, name)).toEqual({ a: [1, 'x'] });
  expect(readCacheFile({ ...cache, version: 'v2' }, name)).toBeUndefined();
  expect(readCacheFile(undefined, name)).toBeUndefined();
  fs.writeFileSync(path.join(cache.dir, name), '{"version":"v1","value":');
  expect(readCacheFile(cache, name)).toBeUndefined();
});

test('the folder keeps the 32 most recently written caches; a folder that cannot be written is skipped', () => {
  const cache = { dir, version: 'v1' };
  for (let i = 0; i < 40; i++) {
    const name = cacheFileName('config', `/c/${i}.yaml`);
    writeCacheFile(cache, name, i);
    const t = Date.now() / 1000 - 1000 + i;
    fs.utimesSync(path.join(dir, name), t, t);
  }
  const kept = fs.readdirSync(dir);
  expect(kept).toHaveLength(32);
  expect(kept).toContain(cacheFileName('config', '/c/39.yaml'));
  expect(kept).not.toContain(cacheFileName('config', '/c/0.yaml'));
  const blocked = path.join(dir, 'file');
  fs.writeFileSync(blocked, '');
  expect(() => writeCacheFile({ dir: blocked, version: 'v1' }, 'x.json', 1)).not.toThrow();
});
