/**
 * The YAML writer (lib/render/yaml.ts) writes exactly the bytes cdk8s's
 * `Yaml.stringify` writes, and every output parses back to the objects it was
 * written from: for the bundled config, every example, and a corpus of
 * tricky strings and random documents.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../lib/load';
import { DOCUMENT_SEPARATOR, yamlDocument } from '../lib/render/yaml';
import { synthManifests } from '../lib/synth';
import { ROOT } from './support/platform';
import { OTHER_SCALARS, random, randomDocument, TRICKY_STRINGS } from './support/yaml-corpus';

/** Objects as one multi-document text, the way synthesis joins them. */
function yamlDocuments(docs: unknown[]): string {
  return docs.map((d) => yamlDocument(d)).join(DOCUMENT_SEPARATOR);
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

function expectSameAsCdk8s(docs: Record<string, unknown>[]): void {
  const text = yamlDocuments(docs);
  expect(text).toBe(Yaml.stringify(...docs));
  expect(parseBack(text)).toEqual(asWritten(docs));
}

const configs = ['platform.yaml', ...fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`)];

test.each(configs)('every file of %s is written as cdk8s writes it and parses back to its objects', (file) => {
  const loaded = parseConfig(fs.readFileSync(path.join(ROOT, file), 'utf8'), file);
  for (const objects of synthManifests(loaded).values()) expectSameAsCdk8s(objects);
});

test('tricky strings and other scalars, as values and keys, at every depth', () => {
  for (const s of [...TRICKY_STRINGS, ...OTHER_SCALARS]) {
    // Object.is(-0) is lost by YAML 1.1's integers; compare the text only.
    const check = Object.is(s, -0) ? (docs: Record<string, unknown>[]) => expect(yamlDocuments(docs)).toBe(Yaml.stringify(...docs)) : expectSameAsCdk8s;
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
    expect(text).toBe(Yaml.stringify(...docs));
    if (!JSON.stringify(docs).includes('-0')) expect(parseBack(text)).toEqual(asWritten(docs));
  }
});

test('strings that do not read back as written, in cdk8s either, are written as cdk8s writes them: a `<<` key (a YAML 1.1 merge key), a leading byte-order mark', () => {
  const docs = [{ '<<': '<<', a: { '<<': ['<<'] } }, { '\ufeffkey': '\ufeffvalue' }];
  expect(yamlDocuments(docs)).toBe(Yaml.stringify(...docs));
});

test('what the writer leaves to the yaml package comes out the same: shared objects (aliases), long keys, class instances', () => {
  const shared = { x: 1 };
  expectSameAsCdk8s([{ a: shared, b: [shared] }]);
  expectSameAsCdk8s([{ ['k'.repeat(2000)]: 'v' }]);
  const docs = [{ when: new Date(0), n: 1 }];
  expect(yamlDocuments(docs)).toBe(Yaml.stringify(...docs));
});
