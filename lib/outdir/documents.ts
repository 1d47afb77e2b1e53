/**
 * Generated manifest files read as text, without parsing them whole: a
 * file is split into its YAML documents, each known by its identity (API
 * group, kind, namespace, name) read from its top lines, and a field's
 * subtree is cut out by indentation and parsed only when needed. Parsing
 * every file of a 10,000-node fleet would take minutes; this takes
 * milliseconds. It relies on the block style synth writes (cdk8s'
 * `Yaml.stringify`).
 */
import { parse } from 'yaml';

/** One YAML document of an output file. */
export interface ManifestDoc {
  /** The file it is in, relative to the output folder. */
  readonly file: string;
  /** Its identity in the cluster: API group, kind, namespace and name. */
  readonly key: string;
  /** `Kind namespace/name` (`Kind name` when cluster-scoped). */
  readonly name: string;
  /** `kind` with its API group, e.g. `apps/StatefulSet`, `/Service`. */
  readonly kind: string;
  /** The document's text. */
  readonly text: string;
  /** Its apiVersion, kind, namespace and name as written. */
  readonly id: ObjectId;
}

/** An object's identity as written in its manifest. */
export interface ObjectId {
  /** `apiVersion`, e.g. `apps/v1`. */
  readonly apiVersion: string;
  /** `kind`, e.g. `Deployment`. */
  readonly kind: string;
  /**
   * `metadata.namespace`.
   * @default none: cluster-scoped
   */
  readonly namespace?: string;
  /** `metadata.name`. */
  readonly name: string;
}

/** True for the files that hold Kubernetes objects (synth writes YAML only). */
export function isManifest(file: string): boolean {
  return /\.ya?ml$/.test(file);
}

/** An object's identity in the cluster ({@link ManifestDoc.key}): API group (not version), kind, namespace and name. */
export function objectKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${apiVersion.split('/').slice(0, -1).join('/')}|${kind}|${namespace ?? ''}|${name}`;
}

/** An object's {@link ObjectId} from its fields (no namespace when it has none). */
export function objectId(apiVersion: string, kind: string, namespace: string | undefined, name: string): ObjectId {
  return { apiVersion, kind, ...(namespace ? { namespace } : {}), name };
}

/** An object as messages name it ({@link ManifestDoc.name}): `Kind namespace/name`, `Kind name` when cluster-scoped. */
export function shownObject(kind: string, namespace: string | undefined, name: string): string {
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/** The lines of a text without its leading comment lines, and those lines. */
function splitHeader(text: string): [header: string, body: string] {
  const m = /^(#[^\n]*\n)*/.exec(text)!;
  return [m[0], text.slice(m[0].length)];
}

/** The texts of the documents of a file (after its comment header), in order. */
function documentTexts(text: string): string[] {
  return splitHeader(text)[1].split(/^---\n/m).filter((d) => d.trim() !== '');
}

/** A scalar as written after `key: `, unquoted. */
function scalar(value: string | undefined): string {
  if (value === undefined) return '';
  return /^["']/.test(value) ? String(parse(value)) : value;
}

/**
 * The documents of a manifest file; those without an apiVersion, kind and
 * name (a hand-edited file) are left out. Non-manifest files have none.
 */
export function documents(file: string, text: string | undefined): ManifestDoc[] {
  if (text === undefined || !isManifest(file)) return [];
  const out: ManifestDoc[] = [];
  for (const doc of documentTexts(text)) {
    const apiVersion = scalar(/^apiVersion: (.*)$/m.exec(doc)?.[1]);
    const kind = scalar(/^kind: (.*)$/m.exec(doc)?.[1]);
    // The lines below `metadata:` (a regular expression: splitting every document into lines would cost more than the rest).
    const metadata = /^metadata:\n((?: .*(?:\n|$))*)/m.exec(doc)?.[1] ?? '';
    const name = scalar(/^ {2}name: (.*)$/m.exec(metadata)?.[1]);
    const namespace = scalar(/^ {2}namespace: (.*)$/m.exec(metadata)?.[1]);
    if (!apiVersion || !kind || !name) continue;
    const group = apiVersion.split('/').slice(0, -1).join('/');
    out.push({
      file,
      key: objectKey(apiVersion, kind, namespace, name),
      name: shownObject(kind, namespace, name),
      kind: `${group}/${kind}`,
      text: doc,
      id: objectId(apiVersion, kind, namespace, name),
    });
  }
  return out;
}

/** `text` with document `index` replaced by `doc` (the header and other documents byte for byte). */
export function replaceDocument(text: string, index: number, doc: string): string {
  const [header, body] = splitHeader(text);
  const docs = body.split(/^---\n/m);
  docs[index] = doc;
  return header + docs.join('---\n');
}

/** The index of `doc` among its file's documents. */
export function documentIndex(text: string, doc: ManifestDoc): number {
  return documentTexts(text).indexOf(doc.text);
}

const indentOf = (line: string) => line.length - line.trimStart().length;

/**
 * The text of the subtree at `path` (map keys, at most a few levels): the
 * key's line and every line below it, or undefined when absent.
 */
export function block(doc: string, path: readonly string[]): string | undefined {
  let lines = doc.split('\n');
  let indent = 0;
  for (const key of path) {
    const head = `${' '.repeat(indent)}${key}:`;
    const i = lines.findIndex((l) => l.startsWith(head) && (l.length === head.length || l[head.length] === ' ') && indentOf(l) === indent);
    if (i < 0) return undefined;
    let j = i + 1;
    while (j < lines.length && (lines[j].trim() === '' || indentOf(lines[j]) > indent || (indentOf(lines[j]) === indent && lines[j].startsWith(`${' '.repeat(indent)}- `)))) j++;
    while (j > i + 1 && lines[j - 1].trim() === '') j--;
    lines = lines.slice(i, j);
    indent += 2;
  }
  return lines.join('\n');
}

/** The keys directly below `path` (a mapping), in order. */
export function keysAt(doc: string, path: readonly string[]): string[] {
  const text = block(doc, path);
  if (text === undefined) return [];
  const pad = ' '.repeat(path.length * 2);
  return text
    .split('\n')
    .slice(1)
    .filter((l) => l.startsWith(pad) && indentOf(l) === pad.length && !l.startsWith(`${pad}- `) && !l.startsWith(`${pad}#`))
    .map((l) => l.slice(pad.length, l.indexOf(':')));
}

/** The value at `path`, parsed from its subtree only; undefined when absent. */
export function valueAt(doc: string, path: readonly string[]): unknown {
  const text = block(doc, path);
  if (text === undefined) return undefined;
  const pad = (path.length - 1) * 2;
  const dedented = text
    .split('\n')
    .map((l) => l.slice(Math.min(pad, indentOf(l))))
    .join('\n');
  return (parse(dedented) as Record<string, unknown> | null)?.[path[path.length - 1]];
}
