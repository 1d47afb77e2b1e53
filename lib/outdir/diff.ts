/**
 * The change summary of two versions of the output: for the manifest files
 * that differ, the objects they hold (added, changed, removed), and edge
 * nodes by name (lib/outdir/staging.ts finds the files that differ).
 */
import { documents, isManifest } from './documents';

/** How one file differs. */
export interface FileChange {
  /** Path relative to the output folder. */
  readonly file: string;
  /** `added`: only in the new output; `removed`: only in the old one; `changed`: in both, with other text. */
  readonly status: 'added' | 'removed' | 'changed';
}

/** The node an edge file belongs to (`edge/<node>.k8s.yaml`, also in subfolders of `edge/`), else undefined. */
export function edgeNode(file: string): string | undefined {
  return /^edge\/(?:.*\/)?([^/]+?)(\.k8s)?\.ya?ml$/.exec(file)?.[1];
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
      const count = documents(file, status === 'removed' ? before.get(file) : after.get(file)).length;
      lines.push(`${file}: ${status}${count > 0 ? ` (${count} object${count === 1 ? '' : 's'})` : ''}`);
      continue;
    }
    const old = new Map(documents(file, before.get(file)).map((d) => [d.key, d]));
    const now = new Map(documents(file, after.get(file)).map((d) => [d.key, d]));
    const parts = [
      ['added', [...now.values()].filter((d) => !old.has(d.key))],
      ['changed', [...now.values()].filter((d) => old.has(d.key) && old.get(d.key)!.text !== d.text)],
      ['removed', [...old.values()].filter((d) => !now.has(d.key))],
    ] as const;
    const said = parts.filter(([, docs]) => docs.length > 0).map(([what, docs]) => `${what} ${list(docs.map((d) => d.name))}`);
    lines.push(`${file}: ${said.length > 0 ? said.join('; ') : 'changed (formatting or comments only)'}`);
  }
  for (const what of ['added', 'changed', 'removed'] as const) {
    if (nodes[what].length > 0) lines.push(`edge nodes ${what} (${nodes[what].length}): ${list(nodes[what])}`);
  }
  return lines;
}
