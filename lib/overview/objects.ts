/**
 * What the picture of the platform needs from the generated objects, taken
 * as each is rendered: how many objects of each kind every file holds (the
 * edge nodes' files counted together, so a large fleet stays one line), and
 * the objects that expose a component (Services, HTTPRoutes, Ingresses).
 */
import { EDGE_DIR } from '../edge/shards';
import type { Obj } from '../config/untyped';
import { SITES_DIR } from '../resolve/remote-sites';

/** The files of the edge nodes, `edge/<shard>/<node>.k8s.yaml`, as one row. */
export const EDGE_NODE_FILES = `${EDGE_DIR}/<shard>/<node>.k8s.yaml`;

/** The kinds that say how a component is reached. */
const EXPOSING = new Set(['Service', 'HTTPRoute', 'Ingress']);

/** The objects of the output, summarized. */
export class OutputObjects {
  /** Per file (edge nodes' files as {@link EDGE_NODE_FILES}): objects by kind, in order of first appearance. */
  public readonly kinds = new Map<string, Map<string, number>>();
  /** Edge nodes' files, and the shard folders they are in. */
  public readonly edgeFiles = { files: new Set<string>(), shards: new Set<string>() };
  /** Services, HTTPRoutes and Ingresses, in output order. */
  public readonly exposing: Obj[] = [];

  /** Takes one rendered object of `file`. */
  public add(file: string, obj: Obj): void {
    this.tally(file, obj.kind);
    // A remote site's Services are in the site's own cluster: not how the server's components are reached.
    if (EXPOSING.has(obj.kind) && file.split('/')[0] !== SITES_DIR) this.exposing.push(obj);
  }

  /**
   * Counts an object of `file` that was not rendered this time (a file kept by incremental synth).
   * @throws Error for a kind that exposes a component: those must be rendered, to be drawn
   */
  public count(file: string, kind: string): void {
    if (exposes(kind)) throw new Error(`internal: ${file}: a ${kind} must be rendered, not counted`);
    this.tally(file, kind);
  }

  /** One more object of `kind` in `file`'s row. */
  private tally(file: string, kind: string): void {
    const parts = file.split('/');
    const edge = parts.length === 3 && parts[0] === EDGE_DIR;
    const row = edge ? EDGE_NODE_FILES : file;
    if (!this.kinds.has(row)) this.kinds.set(row, new Map());
    if (edge) {
      this.edgeFiles.files.add(file);
      this.edgeFiles.shards.add(parts[1]);
    }
    const kinds = this.kinds.get(row)!;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
}

/** True for the kinds the picture needs whole (Services, HTTPRoutes, Ingresses): how a component is reached. */
export function exposes(kind: string): boolean {
  return EXPOSING.has(kind);
}
