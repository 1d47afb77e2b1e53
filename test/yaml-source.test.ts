/**
 * The config's YAML read as its parts (the edge nodes' items apart, through
 * the cache) means exactly what it means read whole: the same value, the
 * same line and column for every field, present or missing, and the same
 * problems; whatever the parts could read otherwise is read whole.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { ConfigError } from '../lib/config/errors';
import { ItemCache, parseYamlSource, YamlSource } from '../lib/config/yaml-source';
import { parseConfig } from '../lib/load';
import { ROOT } from './support/platform';

/** A cache that counts the items it was given: none when the text was read whole. */
class CountingCache extends ItemCache {
  parsed = 0;
  override set(digest: string, value: unknown): void {
    this.parsed++;
    super.set(digest, value);
  }
}

/** Every path of a value's fields and items. */
function paths(value: unknown, at: PropertyKey[] = []): PropertyKey[][] {
  if (value === null || typeof value !== 'object') return [at];
  const children = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [at, ...children.flatMap(([k, v]) => paths(v, [...at, k]))];
}

/** Where every field is (and where missing ones are shown), as line:column, with the key form for the last step. */
function positions(source: YamlSource, value: unknown): string[] {
  const pos = (o: number | undefined) => (o === undefined ? '-' : `${source.linePos(o).line}:${source.linePos(o).col}`);
  return paths(value).flatMap((p) => {
    const last = p[p.length - 1];
    return [
      `${p.join('.')} ${pos(source.offset(p))}`,
      `${p.join('.')}.missing ${pos(source.offset([...p, 'missing']))}`,
      ...(typeof last === 'string' ? [`${p.join('.')} key ${pos(source.offset(p.slice(0, -1), last))}`] : []),
      ...(typeof last === 'number' ? [`${p.join('.')}+1000 ${pos(source.offset([...p.slice(0, -1), last + 1000]))}`] : []),
    ];
  });
}

/** Reads `text` whole and as its parts; both must agree. Returns how many items the parts parsed (0: read whole). */
function agree(text: string): number {
  const whole = parseYamlSource(text);
  const cache = new CountingCache(undefined, 'platform.yaml');
  const parts = parseYamlSource(text, cache);
  expect(parts.errors.map((e) => e.message)).toEqual(whole.errors.map((e) => e.message));
  expect(parts.duplicateKeys).toEqual(whole.duplicateKeys);
  if (whole.errors.length > 0) return cache.parsed;
  let value: unknown;
  try {
    value = whole.toJS(100);
  } catch (e) {
    // An alias to no anchor, or too many: the same error both ways.
    expect(() => parts.toJS(100)).toThrow((e as Error).message);
    return cache.parsed;
  }
  expect(parts.toJS(100)).toEqual(value);
  expect(positions(parts, value)).toEqual(positions(whole, value));
  // Read again through the same cache: nothing parsed, the same answers.
  const parsed = cache.parsed;
  expect(parseYamlSource(text, cache).toJS(100)).toEqual(value);
  expect(cache.parsed).toBe(parsed);
  return cache.parsed;
}

const BUNDLED = fs.readFileSync(path.join(ROOT, 'platform.yaml'), 'utf8');

test('the bundled config and the examples read as their parts exactly as whole', () => {
  expect(agree(BUNDLED)).toBeGreaterThan(0);
  for (const f of fs.readdirSync(path.join(ROOT, 'examples')).filter((n) => n.endsWith('.yaml'))) agree(fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8'));
});

test.each([
  [
    'items at the key\'s indentation, comments and blank lines between and after them',
    'edge:\n  nodes:\n  # first\n  - name: a\n\n    address: 10.0.0.1\n# low comment\n  - name: b\n  # trailing\n\n  defaults: {}\nx: 1\n',
    true,
  ],
  [
    'block scalars, multi-line quoted and plain scalars, nested lists',
    'edge:\n  nodes:\n    - name: a\n      note: |\n        - not an item\n        line\n      q: "two\n        lines"\n      p: one\n        two\n      l:\n      - x\n      - - y\n    - name: b\n',
    true,
  ],
  ['the list last in a file without a final newline', 'edge:\n  nodes:\n    - name: a', false],
  ['an anchor in an item, an alias in another', 'edge:\n  nodes:\n    - &n name: a\n    - name: *n\n', false],
  ['a merge key in an item', 'base: &b {arch: arm64}\nedge:\n  nodes:\n    - <<: *b\n      name: a\n', false],
  ['a tag in an item', 'edge:\n  nodes:\n    - name: !!str 1\n', false],
  ['a flow list', 'edge:\n  nodes: [{name: a}, {name: b}]\n', false],
  ['an anchor on the list', 'edge:\n  nodes: &all\n    - name: a\nother: *all\n', false],
  ['a syntax error in an item', 'edge:\n  nodes:\n    - name: "a\n    - name: b\n', false],
  ['a repeated key in an item', 'edge:\n  nodes:\n    - name: a\n      name: b\n', false],
  ['a repeated edge key', 'edge:\n  nodes:\n    - name: a\nedge:\n  nodes: []\n', false],
  ['tabs', 'edge:\n  nodes:\n    - name: "a\tb"\n', false],
  ['a YAML 1.1 directive (where `yes` is a boolean)', '%YAML 1.1\n---\nedge:\n  nodes:\n    - name: a\n      x: yes\n', false],
  ['CR LF line endings', 'edge:\r\n  nodes:\r\n    - name: a\r\n', false],
  ['a number JSON cannot keep', 'edge:\n  nodes:\n    - name: a\n      x: .inf\n', false],
  ['nodes not a child of edge', 'edge:\n  defaults:\n    nodes:\n      - name: a\n', false],
  ['edge inside a quoted scalar', 'x: "\nedge:\n  nodes:\n    - name: a\n"\n', false],
])('%s', (_, text, parts) => {
  const parsed = agree(text);
  expect(parsed > 0).toBe(parts);
});

test('random fleets, written in every style yaml writes and with comments put between lines, read as their parts exactly as whole', () => {
  const scalar = fc.oneof(
    fc.constantFrom('a', '- b', '#c', 'x: y', 'yes', '0x1F', '1e3', '', ' lead', 'multi\nline\n', 'edge:', '- name: z', '"q"', "it's", '{[]}', '*x', '&y'),
    fc.string({ maxLength: 30 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  );
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('k', 'name', 'nodes', '- k', 'a b', 'edge'), tie('v'), { maxKeys: 3 })),
  })).v;
  let readAsParts = 0;
  const node = fc.record({ name: fc.string({ minLength: 1, maxLength: 8 }), extra: fc.dictionary(fc.constantFrom('address', 'labels', 'dirs', 'note'), value, { maxKeys: 3 }) });
  fc.assert(
    fc.property(
      fc.array(node, { maxLength: 6 }),
      fc.record({ indentSeq: fc.boolean(), lineWidth: fc.constantFrom(0, 20, 80), blockQuote: fc.constantFrom(true, false, 'literal', 'folded') }),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 8 })), { maxLength: 4 }),
      (nodes, style, comments) => {
        const config = { name: 'fl', edge: { defaults: { arch: 'amd64' }, nodes: nodes.map((n) => ({ name: n.name, ...n.extra })) }, after: { x: 1 } };
        let text = stringify(config, { ...style, blockQuote: style.blockQuote as boolean | 'literal' | 'folded', minContentWidth: 0 });
        // Comment lines at random places and indentations, where they leave the value as it was.
        for (const [at, indent] of comments) {
          const lines = text.split('\n');
          const i = at % lines.length;
          const withComment = [...lines.slice(0, i), `${' '.repeat(indent)}# comment`, ...lines.slice(i)].join('\n');
          try {
            if (JSON.stringify(parse(withComment)) === JSON.stringify(parse(text))) text = withComment;
          } catch {
            // A place where a comment breaks the text: not put there.
          }
        }
        if (agree(text) > 0) readAsParts++;
      },
    ),
    { seed: 20261207, numRuns: 300 },
  );
  // Most of them were read as their parts (the rest have an empty list, or an item that is read whole).
  expect(readAsParts).toBeGreaterThan(200);
});

test('the bundled config with random lines put in, taken out, repeated or moved left and right reads as its parts exactly as whole', () => {
  const pool = ['# c', '- name: x', 'edge:', 'nodes:', '%YAML 1.1', '---', '...', 'x: "a', 'y: |', '  - z', 'k: [', ']', '? k', ': v', '- ', 'a: &a 1', 'b: *a', '<<: {}', 'z: yes'];
  let readAsParts = 0;
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom('put', 'take', 'repeat', 'left', 'right'), fc.nat(), fc.constantFrom(...pool), fc.nat({ max: 8 })), { minLength: 1, maxLength: 4 }),
      (edits) => {
        const lines = BUNDLED.split('\n');
        for (const [how, at, line, indent] of edits) {
          const i = at % lines.length;
          if (how === 'put') lines.splice(i, 0, ' '.repeat(indent) + line);
          else if (how === 'take') lines.splice(i, 1);
          else if (how === 'repeat') lines.splice(i, 0, lines[i]);
          else if (how === 'left') lines[i] = lines[i].replace(/^ {2}/, '');
          else lines[i] = `  ${lines[i]}`;
        }
        if (agree(lines.join('\n')) > 0) readAsParts++;
      },
    ),
    { seed: 20261207, numRuns: 500 },
  );
  // Many still read as parts: the others broke the YAML, or put in what is read whole.
  expect(readAsParts).toBeGreaterThan(80);
});

test('the cache file carries the items to the next run, which parses only the items it has not seen; a damaged cache, or one of another version, is empty', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-items-'));
  const cache = { dir, version: 'v1' };
  try {
    const first = new CountingCache(cache, 'platform.yaml');
    parseYamlSource(BUNDLED, first).toJS(100);
    first.save();
    const second = new CountingCache(cache, 'platform.yaml');
    parseYamlSource(BUNDLED.replace('name: edge-node-2', 'name: edge-node-9'), second);
    expect(second.parsed).toBe(1);
    // Written by another version of synth: not read.
    const other = new CountingCache({ dir, version: 'v2' }, 'platform.yaml');
    parseYamlSource(BUNDLED, other);
    expect(other.parsed).toBe(2);
    for (const f of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, f), '{"version": 1, "items": ');
    const damaged = new CountingCache(cache, 'platform.yaml');
    expect(parseYamlSource(BUNDLED, damaged).toJS(100)).toEqual(parse(BUNDLED));
    expect(damaged.parsed).toBeGreaterThan(1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a problem in an edge node is reported at its line through the cache as without it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-items-'));
  try {
    const bad = BUNDLED.replace(/(name: edge-node-2\n)/, '$1      logLevel: LOUD\n');
    expect(bad).not.toBe(BUNDLED);
    const cache = { dir, version: 'v1' };
    const problems = (options: { cache?: { dir: string; version: string } }) => {
      try {
        parseConfig(bad, 'platform.yaml', options);
      } catch (e) {
        return (e as ConfigError).issues;
      }
      throw new Error('no problem reported');
    };
    parseConfig(BUNDLED, 'platform.yaml', { cache });
    expect(problems({ cache })).toEqual(problems({}));
    expect(problems({}).map((i) => i.line)).toEqual([bad.split('\n').findIndex((l) => l.includes('logLevel: LOUD')) + 1]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
