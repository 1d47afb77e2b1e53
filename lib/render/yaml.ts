/**
 * Kubernetes objects as YAML text, byte for byte what the `yaml` package
 * writes with the options cdk8s's `Yaml.stringify` passes and sequences not
 * indented below their key (as kubectl and Helm write them, 5% fewer bytes
 * than cdk8s's style), at close to `JSON.stringify` speed.
 *
 * The `yaml` package builds a full document model of every object. Here
 * the block structure (maps, sequences, indentation) is written directly and
 * every scalar is rendered once by the `yaml` package itself, with the same
 * options, then reused: the quoting rules (YAML 1.1 booleans like `yes`,
 * numbers like `0123` or `1e3`, `: ` and ` #` inside, leading and trailing
 * spaces, block scalars for multi-line text) stay the `yaml` package's. A
 * document with anything this writer does not handle (a shared or circular
 * reference, which `yaml` writes as an alias; a key longer than 1,024
 * characters; a value that is not plain JSON) is rendered by the `yaml`
 * package as a whole.
 */
import { Document, stringify } from 'yaml';

/** The options of the `yaml` package the output is written with: cdk8s's `Yaml.stringify`'s, and sequences at their key's indentation. */
export const YAML_OPTIONS = { keepUndefined: true, lineWidth: 0, version: '1.1', indentSeq: false } as const;

/** Thrown inside the writer for a document it leaves to the `yaml` package. */
const UNSUPPORTED = Symbol('unsupported');

/** Longest key `yaml` writes as an implicit key; longer ones become `? key`. */
const MAX_IMPLICIT_KEY = 1024;

/**
 * Strings that pass every check of the `yaml` package's plain-string writer
 * except the schema's: letters, digits, `/` and `-` (not `-`, `- ...` or
 * `---...`) at the start; then also `_ . : = ,` and spaces, never `: `;
 * not ending in `:` or a space. Such a string is written plain, or, when the
 * schema would read it back as another type, double-quoted, which for these
 * characters is its JSON text.
 */
const SIMPLE_STRING = /^(?!-$|- |---)[A-Za-z0-9/-](?:[A-Za-z0-9_./:=, -]*[A-Za-z0-9_./=,-])?$/;

/** The tags of the schema cdk8s writes with (YAML 1.1) that claim strings of their own, like `yes`, `0123` or `1e3`. */
const TYPED_TAGS = (() => {
  const { tags, compat } = new Document(null, { version: YAML_OPTIONS.version }).schema;
  return [...tags, ...(compat ?? [])].filter((tag) => tag.default && tag.tag !== 'tag:yaml.org,2002:str' && tag.test);
})();

/** Entries a cache of rendered scalars or keys holds before it starts over (per-node values are seldom repeated). */
const CACHE_LIMIT = 50_000;

/** Rendered scalars: strings, and numbers/booleans/null, as map values. */
const stringValues = new Map<string, string>();
const otherValues = new Map<unknown, string>();
/** Rendered keys of the top-level map and of nested maps (they differ for keys like `---x`). */
const topKeys = new Map<string, string>();
const nestedKeys = new Map<string, string>();

/** What separates the documents of a multi-document text, as cdk8s's `Yaml.stringify` joins them. */
export const DOCUMENT_SEPARATOR = '---\n';

/** One object as a YAML document (ending in a newline), exactly as the `yaml` package renders it with {@link YAML_OPTIONS}. */
export function yamlDocument(doc: unknown): string {
  // Parts joined once: a flat string, not a rope of thousands of pieces.
  const out: string[] = [];
  writeDocument(doc, out);
  return out.join('');
}

function writeDocument(doc: unknown, out: string[]): void {
  if (doc === undefined) {
    out.push('\n');
    return;
  }
  const keys = isPlainObject(doc) ? Object.keys(doc) : [];
  if (keys.length === 0) {
    out.push(stringify(doc, YAML_OPTIONS));
    return;
  }
  const start = out.length;
  try {
    writeMap(doc as Record<string, unknown>, keys, '', true, new Set(), out);
    out.push('\n');
  } catch (e) {
    if (e !== UNSUPPORTED) throw e;
    out.length = start;
    out.push(stringify(doc, YAML_OPTIONS));
  }
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * A non-empty map's pairs, one per line at `indent` (the first line
 * unindented: the caller places it), without a final newline.
 */
function writeMap(map: Record<string, unknown>, keys: string[], indent: string, top: boolean, seen: Set<object>, out: string[]): void {
  enter(map, seen);
  const newline = '\n' + indent;
  const inner = indent + '  ';
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) out.push(newline);
    out.push(renderKey(keys[i], top), ':');
    writeValue(map[keys[i]], inner, seen, out);
  }
}

/** A non-empty sequence's items, one per line at `indent` (the first line unindented), without a final newline. */
function writeSeq(seq: readonly unknown[], indent: string, seen: Set<object>, out: string[]): void {
  enter(seq, seen);
  const newline = '\n' + indent + '- ';
  const inner = indent + '  ';
  for (let i = 0; i < seq.length; i++) {
    out.push(i > 0 ? newline : '- ');
    const item = seq[i];
    if (Array.isArray(item) && item.length > 0) writeSeq(item, inner, seen, out);
    else if (isPlainObject(item)) {
      const keys = Object.keys(item);
      if (keys.length > 0) writeMap(item, keys, inner, false, seen, out);
      else {
        enter(item, seen);
        out.push('{}');
      }
    } else out.push(writeScalar(item, inner, seen));
  }
}

/** What follows `key:` for a map value whose own lines are at `indent` (a sequence's at its key's, two spaces less). */
function writeValue(value: unknown, indent: string, seen: Set<object>, out: string[]): void {
  if (Array.isArray(value) && value.length > 0) {
    const keyIndent = indent.slice(2);
    out.push('\n' + keyIndent);
    writeSeq(value, keyIndent, seen, out);
  } else if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length > 0) {
      out.push('\n' + indent);
      writeMap(value, keys, indent, false, seen, out);
    } else {
      enter(value, seen);
      out.push(' {}');
    }
  } else out.push(' ', writeScalar(value, indent, seen));
}

/** `yaml` writes an object met twice as an anchor and an alias: leave such documents to it. */
function enter(o: object, seen: Set<object>): void {
  if (seen.has(o)) throw UNSUPPORTED;
  seen.add(o);
}

/** A scalar or an empty sequence; continuation lines (of block scalars) at `indent`. */
function writeScalar(value: unknown, indent: string, seen: Set<object>): string {
  if (Array.isArray(value)) {
    enter(value, seen);
    return '[]';
  }
  if (typeof value === 'string') {
    let text = stringValues.get(value);
    if (text === undefined) {
      text = SIMPLE_STRING.test(value) && !value.includes(': ') ? (TYPED_TAGS.some((tag) => tag.test!.test(value)) ? JSON.stringify(value) : value) : renderValue(value);
      if (stringValues.size >= CACHE_LIMIT) stringValues.clear();
      stringValues.set(value, text);
    }
    // Multi-line text was rendered with its continuation lines at two spaces.
    return text.includes('\n') ? reindent(text, indent) : text;
  }
  // Whole numbers are written in decimal, as JavaScript prints them.
  if (Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    // A Map does not tell -0 from 0.
    if (Object.is(value, -0)) return renderValue(value);
    let text = otherValues.get(value);
    if (text === undefined) {
      text = renderValue(value);
      if (otherValues.size >= CACHE_LIMIT) otherValues.clear();
      otherValues.set(value, text);
    }
    return text;
  }
  // Class instances, bigints, symbols, functions.
  throw UNSUPPORTED;
}

/** A value as `yaml` renders it in `{ k: value }`: continuation lines at two spaces. */
function renderValue(value: unknown): string {
  const text = stringify({ k: value }, YAML_OPTIONS);
  return text.slice('k: '.length, -1);
}

/** Moves the non-empty continuation lines of text rendered at two spaces to `indent`. */
function reindent(text: string, indent: string): string {
  const extra = indent.slice(2);
  return extra === '' ? text : text.replace(/\n(?!\n|$)/g, '\n' + extra);
}

/** A key as `yaml` writes it in the top-level map or a nested one. */
function renderKey(key: string, top: boolean): string {
  const cache = top ? topKeys : nestedKeys;
  let text = cache.get(key);
  if (text === undefined) {
    // Keys of the top-level map sit at the indent `yaml` checks for document markers.
    const rendered = top ? stringify({ [key]: 0 }, YAML_OPTIONS) : stringify({ k: { [key]: 0 } }, YAML_OPTIONS).slice('k:\n  '.length);
    text = rendered.slice(0, -': 0\n'.length);
    if (text.length > MAX_IMPLICIT_KEY || text.includes('\n') || !rendered.endsWith(': 0\n')) throw UNSUPPORTED;
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, text);
  }
  return text;
}
