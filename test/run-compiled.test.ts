/**
 * scripts/run.js: an entry point runs as a compiled bundle, rebuilt whenever
 * a source it imports changed, so a stale build never runs.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import Module from 'module';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from './support/platform';

let dir: string;
beforeEach(() => {
  // A project of its own: the launcher, two sources and the real node_modules.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-run-'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(ROOT, 'scripts', 'run.js'), path.join(dir, 'scripts', 'run.js'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(dir, 'entry.ts'), "import { word } from './word';\nif (require.main === module) console.log(`${word} ${process.argv.slice(2).join(' ')}`);\n");
  fs.writeFileSync(path.join(dir, 'word.ts'), "export const word: string = 'one';\n");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]): string {
  const r = spawnSync(process.execPath, ['scripts/run.js', 'entry.ts', ...args], { cwd: dir, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.trim();
}

test('the entry point runs as the main module with its arguments, from a bundle under .build/', () => {
  expect(run('synth', '--outdir', 'x')).toBe('one synth --outdir x');
  expect(fs.readdirSync(path.join(dir, '.build'))).toEqual(expect.arrayContaining(['entry.js', 'entry.stamp.json']));
});

test('an edited source (even at the same size and mtime) or a removed one is picked up; an unchanged build is reused', () => {
  expect(run()).toBe('one');
  const bundle = path.join(dir, '.build', 'entry.js');
  const built = fs.statSync(bundle).mtimeMs;
  expect(run()).toBe('one');
  expect(fs.statSync(bundle).mtimeMs).toBe(built);

  // Same size, same mtime (as a checkout can leave it), other content.
  const word = path.join(dir, 'word.ts');
  const { atime, mtime } = fs.statSync(word);
  fs.writeFileSync(word, "export const word: string = 'two';\n");
  fs.utimesSync(word, atime, mtime);
  expect(run()).toBe('two');

  fs.writeFileSync(path.join(dir, 'entry.ts'), "console.log('no imports');\n");
  fs.rmSync(word);
  expect(run()).toBe('no imports');
});

test("V8's compiled code of the bundle is kept beside it, tagged with the bundle, and taken again only by that bundle", () => {
  const cache = path.join(dir, '.build', 'entry.v8cache');
  const bundle = path.join(dir, '.build', 'entry.js');
  const tag = () => {
    const st = fs.statSync(bundle);
    return `${st.size}:${st.mtimeMs}\n`;
  };
  expect(run('a')).toBe('one a');
  // Node 22.1+ keeps its own compile cache instead.
  if (typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function') return;
  expect(fs.readFileSync(cache).subarray(0, tag().length).toString()).toBe(tag());
  const written = fs.statSync(cache).mtimeMs;
  expect(run('b')).toBe('one b');
  expect(fs.statSync(cache).mtimeMs).toBe(written);
  // A rebuilt bundle gets a cache of its own; a damaged cache is rewritten.
  fs.writeFileSync(path.join(dir, 'word.ts'), "export const word: string = 'three';\n");
  expect(run()).toBe('three');
  expect(fs.readFileSync(cache).subarray(0, tag().length).toString()).toBe(tag());
  fs.writeFileSync(cache, `${tag()}junk`);
  expect(run()).toBe('three');
  expect(fs.readFileSync(cache).length).toBeGreaterThan(100);
});
