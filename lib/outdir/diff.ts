/**
 * What differs between two versions of the output: files first (texts
 * compared, cheap), then, only for manifest files that differ, the objects
 * they hold: added, changed and removed, and edge nodes by name.
 */
import { parseAllDocuments } from 'yaml';

/** How one file differs. */
export interface FileChange {
  /** Path relative to the output folder. */
  readonly file: string;
  /** `added`: only in the new output; `removed`: only in the old one; `changed`: in both, with other text. */
  readonly status: 'added' | 'removed' | 'changed';
}

/** A Kubernetes object parsed from an output file, with the file it is in. */
export interface PlacedObject {
  /** Path of its file, relative to the output folder. */
  readonly file: string;
  /** The object. */
  readonly obj: Record<string, any>;
}

/** The files that differ between `before` and `after` (relative path → text), sorted by path. */
export function diffFiles(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): FileChange[] {
  const changes: FileChange[] = [];
  for (const [file, text] of after) {
    const old = before.get(file);
    if (old === undefined) changes.push({ file, status: 'added' });
    else if (old !== text) changes.push({ file, status: 'changed' });
  }
  for (const file of before.keys()) if (!after.has(file)) changes.push({ file, status: 'removed' });
  return changes.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** True for files that hold Kubernetes objects (what kubectl and Argo CD read). */
export function isManifest(file: string): boolean {
  return /\.(ya?ml|json)$/.test(file);
}

/** The objects of a manifest file's text; none when it is not one, undefined when it does not parse (a hand-edited file). */
export function parseObjects(file: string, text: string | undefined): PlacedObject[] | undefined {
  if (text === undefined || !isManifest(file)) return [];
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) return undefined;
  return docs.map((d) => d.toJS()).filter((o) => o !== null && typeof o === 'object').map((obj) => ({ file, obj }));
}

/** An object's identity in the cluster: API group, kind, namespace and name. */
export function objectKey(obj: Record<string, any>): string {
  const group = String(obj.apiVersion ?? '').split('/').slice(0, -1).join('/');
  return `${group}|${obj.kind}|${obj.metadata?.namespace ?? ''}|${obj.metadata?.name ?? ''}`;
}

/** An object as people name it: `Kind namespace/name` (`Kind name` when cluster-scoped). */
export function objectName(obj: Record<string, any>): string {
  const ns = obj.metadata?.namespace;
  return `${obj.kind} ${ns ? `${ns}/` : ''}${obj.metadata?.name}`;
}

/** The node an edge file belongs to (`edge/<node>.k8s.yaml`), else undefined. */
function edgeNode(file: string): string | undefined {
  return /^edge\/([^/]+?)(\.k8s)?\.ya?ml$/.exec(file)?.[1];
}

/** How many names to list before "and N more". */
const LIST_CAP = 20;

/** `names` joined, at most {@link LIST_CAP} of them. */
function list(names: readonly string[]): string {
  const shown = names.slice(0, LIST_CAP).join(', ');
  return names.length > LIST_CAP ? `${shown} and ${names.length - LIST_CAP} more` : shown;
}

/**
 * The change summary, one line per file (edge nodes grouped by what
 * happened to them); empty when nothing changed.
 */
export function summarize(changes: readonly FileChange[], before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const lines: string[] = [];
  const nodes = { added: [] as string[], changed: [] as string[], removed: [] as string[] };
  for (const { file, status } of changes) {
    const node = edgeNode(file);
    if (node !== undefined) {
      nodes[status].push(node);
      continue;
    }
    if (status !== 'changed' || !isManifest(file)) {
      const count = parseObjects(file, status === 'removed' ? before.get(file) : after.get(file))?.length ?? 0;
      lines.push(`${file}: ${status}${count > 0 ? ` (${count} object${count === 1 ? '' : 's'})` : ''}`);
      continue;
    }
    const [was, is] = [parseObjects(file, before.get(file)), parseObjects(file, after.get(file))];
    if (was === undefined || is === undefined) {
      lines.push(`${file}: changed (the old file is not valid YAML)`);
      continue;
    }
    const old = new Map(was.map(({ obj }) => [objectKey(obj), obj]));
    const now = new Map(is.map(({ obj }) => [objectKey(obj), obj]));
    const parts = [
      ['added', [...now].filter(([k]) => !old.has(k))],
      ['changed', [...now].filter(([k, o]) => old.has(k) && JSON.stringify(old.get(k)) !== JSON.stringify(o))],
      ['removed', [...old].filter(([k]) => !now.has(k))],
    ] as const;
    const said = parts.filter(([, objs]) => objs.length > 0).map(([what, objs]) => `${what} ${list(objs.map(([, o]) => objectName(o)))}`);
    lines.push(`${file}: ${said.length > 0 ? said.join('; ') : 'changed (formatting only)'}`);
  }
  for (const what of ['added', 'changed', 'removed'] as const) {
    if (nodes[what].length > 0) lines.push(`edge nodes ${what} (${nodes[what].length}): ${list(nodes[what])}`);
  }
  return lines;
}
