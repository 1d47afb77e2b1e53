/**
 * The YAML writer (lib/render/yaml.ts) writes exactly the bytes the `yaml`
 * package writes with cdk8s's options and sequences at their key's
 * indentation, and every output parses back to the objects it was written
 * from: for the bundled config, every example, and a corpus of tricky strings
 * and random documents.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { parseConfig } from '../lib/load';
import { DOCUMENT_SEPARATOR, YAML_OPTIONS, yamlDocument } from '../lib/render/yaml';
import { synthManifests } from '../lib/synth';
import { ROOT } from './support/platform';
import { OTHER_SCALARS, random, randomDocument, TRICKY_STRINGS } from './support/yaml-corpus';

/** Objects as one multi-document text, the way synthesis joins them. */
function yamlDocuments(docs: unknown[]): string {
  return docs.map((d) => yamlDocument(d)).join(DOCUMENT_SEPARATOR);
}

/** What the `yaml` package writes for the documents, joined as cdk8s's `Yaml.stringify` joins them. */
function reference(...docs: unknown[]): string {
  return docs.map((d) => (d === undefined ? '\n' : stringify(d, YAML_OPTIONS))).join(DOCUMENT_SEPARATOR);
}

/** Parses multi-document YAML as cdk8s reads it back (YAML 1.1). */
function parseBack(text: string): unknown[] {
  return parseAllDocuments(text, { version: '1.1' }).map((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors[0].message);
    return doc.toJS();
  });
}

/** The objects as YAML holds them: undefined written as null. */
function asWritten(x: unknown): unknown {
  if (x === undefined) return null;
  if (Array.isArray(x)) return x.map(asWritten);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, asWritten(v)]));
  return x;
}

function expectSameAsYaml(docs: Record<string, unknown>[]): void {
  const text = yamlDocuments(docs);
  expect(text).toBe(reference(...docs));
  expect(parseBack(text)).toEqual(asWritten(docs));
}

const configs = ['platform.yaml', ...fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`)];

test.each(configs)('every file of %s is written as the yaml package writes it and parses back to its objects', (file) => {
  const loaded = parseConfig(fs.readFileSync(path.join(ROOT, file), 'utf8'), file);
  for (const objects of synthManifests(loaded).values()) expectSameAsYaml(objects);
});

test('tricky strings and other scalars, as values and keys, at every depth', () => {
  for (const s of [...TRICKY_STRINGS, ...OTHER_SCALARS]) {
    // Object.is(-0) is lost by YAML 1.1's integers; compare the text only.
    const check = Object.is(s, -0) ? (docs: Record<string, unknown>[]) => expect(yamlDocuments(docs)).toBe(reference(...docs)) : expectSameAsYaml;
    check([{ value: s }]);
    check([{ a: { b: s }, list: [s, [s, { c: s }], { d: [s] }], e: { f: { g: [[s]] } } }]);
    check([{ [String(s)]: 1, nested: { [String(s)]: 2 } }]);
  }
});

test('random documents of maps, sequences, empty collections and tricky scalars', () => {
  const rand = random(20260101);
  for (let i = 0; i < 500; i++) {
    const docs = [randomDocument(rand), randomDocument(rand)];
    const text = yamlDocuments(docs);
    expect(text).toBe(reference(...docs));
    if (!JSON.stringify(docs).includes('-0')) expect(parseBack(text)).toEqual(asWritten(docs));
  }
});

test('strings that do not read back as written, in cdk8s either, are written as the yaml package writes them: a `<<` key (a YAML 1.1 merge key), a leading byte-order mark', () => {
  const docs = [{ '<<': '<<', a: { '<<': ['<<'] } }, { '\ufeffkey': '\ufeffvalue' }];
  expect(yamlDocuments(docs)).toBe(reference(...docs));
});

test('what the writer leaves to the yaml package comes out the same: shared objects (aliases), long keys, class instances', () => {
  const shared = { x: 1 };
  expectSameAsYaml([{ a: shared, b: [shared] }]);
  expectSameAsYaml([{ ['k'.repeat(2000)]: 'v' }]);
  const docs = [{ when: new Date(0), n: 1 }];
  expect(yamlDocuments(docs)).toBe(reference(...docs));
});
