/**
 * Rendering edge nodes' files apart from the platform: from plain data
 * only ({@link EdgeNodeJob}), so that a worker thread can do it as well as
 * the main thread, with the same bytes (lib/edge-workers.ts).
 */
import type { Obj } from './config/untyped';
import { DeferredEdgeNodes, EdgeNodeOwn, EdgeNodeShared } from './edge/fleet';
import { forEachObject } from './file-chart';
import { contentDigest } from './incremental/digest';
import { ObjectId, objectId } from './outdir/documents';
import { createOverrides, OverrideSource } from './overrides';
import { exposes } from './overview/objects';
import { DOCUMENT_SEPARATOR, yamlDocument } from './render/yaml';

/** What a set of edge nodes' files is rendered from: plain data, which a worker thread can be given. */
export interface EdgeNodeJob {
  /** What every node is built from. */
  readonly shared: EdgeNodeShared;
  /**
   * The fleet's shared TLS tunnel nginx.conf, which every node's must equal.
   * @default none: no TLS
   */
  readonly tunnelConf?: string;
  /** The nodes to render, in order. */
  readonly nodes: readonly EdgeNodeOwn[];
  /** The config's additions (placement, metadata, patches), without a locator: problems are only counted here. */
  readonly overrides: Omit<OverrideSource, 'locate' | 'file'>;
  /** The first lines of every file (the generated-file notice). */
  readonly header: string;
}

/** One edge node's file, rendered with the config's additions. */
export interface RenderedNode {
  /** Its path in the output folder. */
  readonly file: string;
  /** Its text: the header, then its objects as YAML documents, in order. */
  readonly text: string;
  /** The digest of its text (`contentDigest`). */
  readonly content: string;
  /** Each object's identity, and the object itself where the picture of the platform needs it whole (it exposes a component). */
  readonly objects: { readonly id: ObjectId; readonly obj?: Obj }[];
  /** The config's additions found a problem in it: render it again where problems are reported with their lines. */
  readonly problems: boolean;
}

/**
 * Renders `job`'s nodes in order, each in an App of its own that is dropped
 * once its file's text is made (so a fleet's objects never pile up, not even
 * as YAML), and hands each to `each` as soon as it is rendered.
 * @param each given each node and its index in `job.nodes`
 */
export function renderEdgeNodes(job: EdgeNodeJob, each: (node: RenderedNode, index: number) => void): void {
  const nodes = new DeferredEdgeNodes(job.shared, job.nodes, job.tunnelConf);
  const overrides = createOverrides(job.overrides);
  job.nodes.forEach((own, index) => {
    const before = overrides.problems();
    const docs: string[] = [];
    const objects: RenderedNode['objects'][number][] = [];
    forEachObject(nodes.build(own), (file, apiObject) => {
      const obj = overrides.apply(file, apiObject.toJson());
      docs.push(yamlDocument(obj));
      const id = objectId(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
      objects.push(exposes(obj.kind) ? { id, obj } : { id });
    });
    const text = job.header + docs.join(DOCUMENT_SEPARATOR);
    each({ file: own.file, text, content: contentDigest(text), objects, problems: overrides.problems() > before }, index);
  });
}
