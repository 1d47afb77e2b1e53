/**
 * A config file's YAML, parsed: its value, its syntax problems and where
 * each field is written.
 *
 * A fleet's config is mostly its list of edge nodes, and YAML is slow to
 * parse (yaml's parser takes about 0.4 s for 1 MB, 10,000 nodes), while a
 * run usually follows one that parsed the same nodes. So the items of
 * `edge.nodes` are cut apart by their lines and each is parsed on its own,
 * its value kept in a local cache by the digest of its text (see
 * {@link ItemCache}): a run parses only the items it has not seen, and the
 * rest of the file with the list left out. Where a field is written is then
 * found by parsing, when asked, the one item it is in. Whatever could make
 * the parts mean something else than the whole (tabs, CR line endings, a
 * directive such as `%YAML 1.1`, an item with an anchor, alias, tag or merge
 * key, a list not written one item a line at one indentation, any syntax
 * problem) parses the file whole, as the tests check against random configs.
 */
import { createHash } from 'crypto';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { cacheFileName, LocalCache, readCacheFile, writeCacheFile } from '../local-cache';
import { Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Node, parseDocument, Pair, visit, YAMLError, YAMLMap } from 'yaml';

/** How the config's YAML is read: as platform.yaml's loader always has. */
const PARSE_OPTIONS = { uniqueKeys: false, merge: true } as const;

/** A config file's YAML, parsed (see the module's comment). */
export interface YamlSource {
  /** yaml's syntax errors. */
  readonly errors: readonly YAMLError[];
  /** The offsets of keys that repeat a key before them in the same mapping (merge keys `<<` apart). */
  readonly duplicateKeys: readonly number[];
  /**
   * The file's value.
   * @throws ReferenceError when aliases expand to more than `maxAliasCount` nodes
   */
  toJS(maxAliasCount: number): unknown;
  /**
   * The offset of the node at `path` (or of `key` inside it); where the path
   * does not exist (a missing field), that of the closest existing parent.
   */
  offset(path: readonly PropertyKey[], key?: string): number | undefined;
  /** The line and column (from 1) of an offset. */
  linePos(offset: number): { line: number; col: number };
}

/**
 * Parses a config file's text, the items of `edge.nodes` apart and through
 * `cache` when the text allows (see the module's comment).
 */
export function parseYamlSource(text: string, cache?: ItemCache): YamlSource {
  return withPlainEnv(() => (cache && splitSource(text, cache)) ?? wholeSource(text));
}

/** The file parsed whole. */
function wholeSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...PARSE_OPTIONS, lineCounter });
  const index = new WeakMap<YAMLMap, Map<string, Pair>>();
  return {
    errors: doc.errors,
    duplicateKeys: duplicateKeys(doc),
    toJS: (maxAliasCount) => doc.toJS({ maxAliasCount }),
    offset: (p, key) => nodeOffset(doc, p, key, index),
    linePos: (offset) => lineCounter.linePos(offset),
  };
}

/** Where the items of `edge.nodes` are in a file's text. */
interface NodeList {
  /** Offset of the first item's line, and of the line after the last item (or after its blank and comment lines). */
  readonly start: number;
  readonly end: number;
  /** Indentation of the items' `- `. */
  readonly indent: number;
  /** Offset of each item's first line. */
  readonly items: readonly number[];
}

/**
 * The file parsed as its parts: the rest of the file, with the node list
 * replaced by a one-item placeholder list, and each item from the cache or
 * parsed alone; undefined when the text does not allow it.
 */
function splitSource(text: string, cache: ItemCache): YamlSource | undefined {
  // A directive (`%YAML 1.1`, `%TAG`) changes what every item's text means.
  if (text.includes('\t') || text.includes('\r') || /^%/m.test(text)) return undefined;
  const list = findNodeList(text);
  if (list === undefined) return undefined;
  const placeholder = `${' '.repeat(list.indent)}- 0\n`;
  const shift = list.end - list.start - placeholder.length;
  const rest = parseDocument(text.slice(0, list.start) + placeholder + text.slice(list.end), PARSE_OPTIONS);
  if (rest.errors.length > 0 || duplicateKeys(rest).length > 0) return undefined;
  // The placeholder must be the value of edge.nodes, nothing else.
  const held = rest.getIn(['edge', 'nodes'], true);
  if (!isSeq(held) || held.items.length !== 1 || held.range?.[0] !== list.start + list.indent) return undefined;
  const itemText = (i: number) => text.slice(list.items[i], list.items[i + 1] ?? list.end);
  const values: unknown[] = [];
  for (let i = 0; i < list.items.length; i++) {
    const t = itemText(i);
    const digest = cache.digest(t);
    let value = cache.get(digest);
    if (value === undefined) {
      const parsed = parseItem(t);
      if (parsed === undefined) return undefined;
      value = parsed.value;
      cache.set(digest, value);
    }
    values.push(value);
  }
  // The items are parsed again only to locate fields in them.
  const itemDocs = new Map<number, Document>();
  const itemDoc = (i: number) => itemDocs.get(i) ?? itemDocs.set(i, parseDocument(itemText(i), PARSE_OPTIONS)).get(i)!;
  const index = new WeakMap<YAMLMap, Map<string, Pair>>();
  const fromRest = (offset: number | undefined) => (offset === undefined || offset < list.start + placeholder.length ? offset : offset + shift);
  const lineCounter = new LineCounter();
  lineCounter.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1);
  return {
    errors: [],
    duplicateKeys: [],
    toJS: (maxAliasCount) => {
      const value = rest.toJS({ maxAliasCount }) as { edge: { nodes: unknown[] } };
      value.edge.nodes = values;
      return value;
    },
    offset: (p, key) => {
      const [a, b, i] = p;
      if (a === 'edge' && b === 'nodes' && typeof i === 'number' && i < list.items.length) {
        const at = nodeOffset(itemDoc(i), [0, ...p.slice(3)], key, index);
        return at === undefined ? undefined : at + list.items[i];
      }
      return fromRest(nodeOffset(rest, p, key, index));
    },
    linePos: (offset) => lineCounter.linePos(offset),
  };
}

/**
 * The item text `t` (one item of the node list, at its indentation) parsed
 * alone; undefined when it is not exactly one item, or holds what could mean
 * something else in the whole file (an anchor, alias, tag or merge key), a
 * syntax problem or a value JSON cannot keep (the cache holds JSON).
 */
function parseItem(t: string): { value: unknown } | undefined {
  const doc = parseDocument(t, PARSE_OPTIONS);
  if (doc.errors.length > 0 || !isSeq(doc.contents) || doc.contents.items.length !== 1 || duplicateKeys(doc).length > 0) return undefined;
  let plain = true;
  visit(doc, {
    Node(_, node) {
      if (isAlias(node) || node.anchor !== undefined || node.tag !== undefined) plain = false;
      return plain ? undefined : visit.BREAK;
    },
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === '<<') plain = false;
      return plain ? undefined : visit.BREAK;
    },
  });
  if (!plain) return undefined;
  const value = (doc.toJS() as unknown[])[0];
  return isDeepStrictEqual(JSON.parse(JSON.stringify(value) ?? 'null'), value) ? { value } : undefined;
}

/**
 * Where the items of `edge.nodes` are, read from the lines: the top-level
 * `edge:` key alone on its line, its `nodes:` key alone on its line, and the
 * lines below at one indentation starting `- `; undefined for any other form.
 */
function findNodeList(text: string): NodeList | undefined {
  const edge = /^edge:[ ]*(#.*)?$/m.exec(text);
  if (edge === null || /^edge:/m.test(text.slice(edge.index + 1))) return undefined;
  const lines = lineIterator(text, edge.index + edge[0].length + 1);
  // The first child key of edge sets the children's indentation; nodes: is found among them.
  let childIndent: number | undefined;
  let line = lines.next();
  for (; line !== undefined; line = lines.next()) {
    if (line.blank) continue;
    if (line.indent === 0) return undefined;
    childIndent ??= line.indent;
    if (line.indent === childIndent && /^nodes:[ ]*(#.*)?$/.test(line.body)) break;
  }
  if (line === undefined || childIndent === undefined) return undefined;
  const items: number[] = [];
  let indent: number | undefined;
  let end: number | undefined;
  let lastContentEnd = line.end;
  for (line = lines.next(); line !== undefined; line = lines.next()) {
    if (line.blank) continue;
    indent ??= line.indent;
    if (line.indent < childIndent || line.indent < indent || (line.indent === indent && !/^-( |$)/.test(line.body))) {
      end = lastContentEnd;
      break;
    }
    if (line.indent === indent) items.push(line.start);
    lastContentEnd = line.end;
  }
  if (indent === undefined || items.length === 0 || indent < childIndent) return undefined;
  // After the last item, its trailing blank and comment lines stay with it; a file without a final newline is read whole.
  end ??= lastContentEnd;
  if (end > text.length) return undefined;
  return { start: items[0], end, indent, items };
}

/** One line of a text: where it starts and ends (after its newline), its indentation, the rest, and whether it is blank or only a comment. */
interface Line {
  readonly start: number;
  readonly end: number;
  readonly indent: number;
  readonly body: string;
  readonly blank: boolean;
}

/** The lines of `text` from offset `from` (a line start), one by one. */
function lineIterator(text: string, from: number): { next(): Line | undefined } {
  let at = from;
  return {
    next() {
      if (at >= text.length) return undefined;
      const nl = text.indexOf('\n', at);
      const lineEnd = nl < 0 ? text.length : nl;
      const start = at;
      at = nl < 0 ? text.length + 1 : nl + 1;
      let indent = 0;
      while (text.charCodeAt(start + indent) === 32 && start + indent < lineEnd) indent++;
      const body = text.slice(start + indent, lineEnd);
      return { start, end: at, indent, body, blank: body === '' || body.startsWith('#') };
    },
  };
}

/**
 * The values of the node list's items, by the digest of their text, kept
 * between runs in a local cache file (lib/local-cache.ts). What a run used is
 * saved, with as many older entries (an item edited back and forth stays
 * known).
 */
export class ItemCache {
  private readonly before: Map<string, unknown>;
  private readonly used = new Map<string, unknown>();
  private readonly name: string;
  private learned = 0;

  /**
   * @param cache where the local caches are; none: nothing is kept between runs
   * @param configFile the config file whose items these are
   */
  constructor(
    private readonly cache: LocalCache | undefined,
    configFile: string,
  ) {
    this.name = cacheFileName('config', path.resolve(configFile));
    const items = readCacheFile(cache, this.name);
    this.before = new Map(typeof items === 'object' && items !== null ? Object.entries(items) : []);
  }

  /** The cache key of an item's text. */
  digest(itemText: string): string {
    return createHash('sha256').update(itemText).digest('base64').slice(0, 22);
  }

  /** The value of the item with this digest (null for an empty item); undefined when not known. */
  get(digest: string): unknown {
    const value = this.used.has(digest) ? this.used.get(digest) : this.before.get(digest);
    if (value !== undefined) this.used.set(digest, value);
    return value;
  }

  /** Notes the value of the item with this digest. */
  set(digest: string, value: unknown): void {
    this.used.set(digest, value);
    this.learned++;
  }

  /** Writes the cache when this run parsed items it did not know. */
  save(): void {
    if (this.cache === undefined || this.learned === 0) return;
    const items = new Map(this.used);
    for (const [digest, value] of this.before) {
      if (items.size >= 2 * this.used.size) break;
      if (!items.has(digest)) items.set(digest, value);
    }
    writeCacheFile(this.cache, this.name, Object.fromEntries(items));
  }
}

/**
 * Runs `f` with `process.env` a plain copy of itself. yaml's parser reads
 * `process.env.LOG_TOKENS` for every token, and each read of the real
 * `process.env` calls into Node's C++ side: about 70 ms for a 1 MB config
 * (350,000 tokens), against 3 ms with a plain object.
 */
function withPlainEnv<T>(f: () => T): T {
  const env = process.env;
  process.env = { ...env };
  try {
    return f();
  } finally {
    process.env = env;
  }
}

/** The source offsets of keys that repeat a key before them in the same mapping (merge keys `<<` apart). */
function duplicateKeys(doc: Document): number[] {
  const found: number[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key) || pair.key.value === '<<') continue;
        const k = String(pair.key.value);
        if (seen.has(k)) found.push(pair.key.range?.[0] ?? 0);
        seen.add(k);
      }
    },
  });
  return found;
}

/**
 * The source offset of the node at `path` (or of `key` inside it); where the
 * path does not exist (a missing field), the closest existing parent.
 * `index` caches each mapping's keys, so locating many issues stays linear.
 */
function nodeOffset(doc: Document, path: readonly PropertyKey[], key: string | undefined, index: WeakMap<YAMLMap, Map<string, Pair>>): number | undefined {
  let node: unknown = doc.contents;
  let best: number | undefined = (node as Node | null)?.range?.[0];
  let parentKey: number | undefined;
  const steps = key === undefined ? path : [...path, key];
  for (let step = 0; step < steps.length; step++) {
    const p = steps[step];
    let next: unknown;
    if (isMap(node)) {
      let keys = index.get(node);
      if (keys === undefined) {
        keys = new Map();
        for (const it of node.items) if (isPair(it) && isScalar(it.key) && !keys.has(String(it.key.value))) keys.set(String(it.key.value), it);
        index.set(node, keys);
      }
      const pair = keys.get(String(p));
      if (pair && key !== undefined && step === steps.length - 1) return (pair.key as Node).range?.[0];
      next = pair?.value;
      if (pair) parentKey = (pair.key as Node).range?.[0];
    } else if (isSeq(node) && typeof p === 'number') {
      next = node.items[p];
      if (next) parentKey = (next as Node).range?.[0];
    }
    // A missing field: point at the key of the mapping it belongs in.
    if (next === undefined || next === null) return next === null ? parentKey : (parentKey ?? best);
    node = next;
    best = (node as Node).range?.[0] ?? best;
  }
  return best;
}
