/**
 * The edge fleet's shards: each node belongs to one shard, chosen by a hash
 * of its name, so a node never moves when others are added or removed and a
 * shard's size stays close to nodes / shards. A shard is a folder of
 * per-node files (`edge/<shard>/`) and, with Argo CD, one Application.
 */
import { createHash } from 'crypto';

/** Folder (under the output folder) of the edge fleet's shard folders. */
export const EDGE_DIR = 'edge';

/** The shard of a node: `s` and the shard number, zero-padded to the width of the largest one (at least 2 digits). */
export function shardOf(nodeName: string, shards: number): string {
  const n = createHash('sha256').update(nodeName).digest().readUInt32BE(0) % shards;
  return `s${String(n).padStart(Math.max(2, String(shards - 1).length), '0')}`;
}

/** Output path of an edge node's file: `edge/<shard>/<node>.k8s.yaml`. */
export function edgeFilePath(nodeName: string, shards: number): string {
  return `${EDGE_DIR}/${shardOf(nodeName, shards)}/${nodeName}.k8s.yaml`;
}
