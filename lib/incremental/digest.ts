/**
 * The digests an incremental synth compares: of plain data (what a file is
 * built from), of a file's text, and of the generator itself.
 */
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** Hex digits kept of a SHA-256 digest: 128 bits. */
const DIGEST_LENGTH = 32;

/** The SHA-256 of a text, {@link DIGEST_LENGTH} hex digits. */
export function contentDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, DIGEST_LENGTH);
}

/**
 * The digest of plain data (objects, arrays, strings, numbers, booleans,
 * null) as JSON.
 * @throws Error for a value JSON would drop or flatten (a function, Map, Set or class instance): a digest of it would miss inputs
 */
export function digestOf(value: unknown): string {
  assertPlain(value, 'the value');
  return contentDigest(JSON.stringify(value));
}

/**
 * Throws unless `value` is plain data all the way down (checked apart from JSON.stringify, whose fast path a replacer
 * would turn off); the path of what is not, named in the error, is built only then.
 */
function assertPlain(value: unknown, where: string): void {
  const bad = notPlain(value);
  if (bad !== undefined) throw new Error(`internal: digestOf: ${where}${bad.reverse().join('')} is not plain data`);
}

/** The path (innermost step first) of the first part of `value` that is not plain data; undefined when all is. */
function notPlain(value: unknown): string[] | undefined {
  if (typeof value === 'function') return [];
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = notPlain(value[i]);
      if (bad !== undefined) return [...bad, `[${i}]`];
    }
    return undefined;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return [];
  for (const k in value) {
    const bad = notPlain((value as Record<string, unknown>)[k]);
    if (bad !== undefined) return [...bad, `.${k}`];
  }
  return undefined;
}

let generator: string | undefined;

/**
 * The digest of the generator: every TypeScript file of the project's `lib/`
 * and `main.ts` (line endings normalized, so a Windows checkout gives the
 * same) and `package-lock.json` (the dependencies' versions). Bundled or run
 * from source, the same code gives the same digest. Outside the project
 * (no `lib/` beside a `package.json` and its lock file above this file) it is
 * random: nothing is reused.
 */
export function generatorDigest(): string {
  if (generator !== undefined) return generator;
  const root = projectRoot(__dirname);
  if (root === undefined) return (generator = randomBytes(DIGEST_LENGTH / 2).toString('hex'));
  const hash = createHash('sha256');
  const files = [...sourceFiles(root, 'lib'), 'main.ts', 'package-lock.json'].sort();
  for (const file of files) {
    const text = fs.readFileSync(path.join(root, file), 'utf8').replace(/\r\n/g, '\n');
    hash.update(`${file}\0${text.length}\0${text}`);
  }
  return (generator = hash.digest('hex').slice(0, DIGEST_LENGTH));
}

/** The nearest folder at or above `dir` with a `package.json`, its `package-lock.json`, `main.ts` and `lib/`: the project's root. */
export function projectRoot(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    if (['package.json', 'package-lock.json', 'main.ts', 'lib'].every((f) => fs.existsSync(path.join(d, f)))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/** The `.ts` files below `rel` (relative to `root`), as `/`-separated relative paths. */
function sourceFiles(root: string, rel: string): string[] {
  return fs.readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((e) => {
    const p = `${rel}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(root, p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}
