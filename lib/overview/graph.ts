/**
 * The platform's flows (lib/network/flows.ts, the list the
 * NetworkPolicies are rendered from) as a graph: one node per peer, one edge
 * per ordered pair of peers with every port of the flows between them. The
 * picture in dist/README.md is drawn from it, so it shows exactly the flows
 * the policies allow.
 */
import { Flow, FlowPort, Peer, peerKey } from '../network/flows';

/** One end of some flows. */
export interface GraphNode {
  /** Identifier in the diagram: letters, digits and `_`, starting with `n_` (never a Mermaid keyword). */
  readonly id: string;
  /** The peer it stands for. */
  readonly peer: Peer;
}

/** The flows from one peer to another. */
interface GraphEdge {
  /** {@link GraphNode.id} of the side that connects. */
  readonly from: string;
  /** {@link GraphNode.id} of the side that accepts. */
  readonly to: string;
  /** Destination ports, distinct, UDP after TCP, numbers ascending, then names. */
  readonly ports: readonly FlowPort[];
}

/** The flows as nodes (in order of first appearance) and edges (in order of their first flow). */
export interface FlowGraph {
  /** Every peer of some flow. */
  readonly nodes: readonly GraphNode[];
  /** One per ordered pair of peers with flows between them. */
  readonly edges: readonly GraphEdge[];
}

/** A readable identifier for a peer (collisions are resolved by the caller). */
function baseId(peer: Peer): string {
  const words = peer.kind === 'platform' ? [peer.component ?? 'all_pods', peer.site ?? ''] : peer.kind === 'pods' ? ['pods', peer.namespace] : [peer.kind];
  return `n_${words.filter((w) => w !== '').join('_').replace(/[^A-Za-z0-9]+/g, '_')}`;
}

/** Ports in display order: TCP before UDP, numbers ascending, then names. */
function sortPorts(ports: readonly FlowPort[]): FlowPort[] {
  const rank = (p: FlowPort) => [p.protocol === 'TCP' ? 0 : 1, typeof p.port === 'number' ? 0 : 1] as const;
  return [...ports].sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    if (ra[0] !== rb[0]) return ra[0] - rb[0];
    if (ra[1] !== rb[1]) return ra[1] - rb[1];
    return typeof a.port === 'number' && typeof b.port === 'number' ? a.port - b.port : String(a.port) < String(b.port) ? -1 : 1;
  });
}

/** The graph of `flows`. */
export function flowGraph(flows: readonly Flow[]): FlowGraph {
  const nodes = new Map<string, GraphNode>();
  const ids = new Set<string>();
  const node = (peer: Peer): GraphNode => {
    const key = peerKey(peer);
    let n = nodes.get(key);
    if (n === undefined) {
      const base = baseId(peer);
      let id = base;
      for (let i = 2; ids.has(id); i++) id = `${base}_${i}`;
      ids.add(id);
      n = { id, peer };
      nodes.set(key, n);
    }
    return n;
  };
  // Each edge's ports by `port/protocol`: a fleet's edge nodes make one edge with a port per node.
  const edges = new Map<string, { from: string; to: string; ports: Map<string, FlowPort> }>();
  for (const flow of flows) {
    const from = node(flow.from).id;
    const to = node(flow.to).id;
    const key = `${from} ${to}`;
    const edge = edges.get(key) ?? { from, to, ports: new Map() };
    for (const p of flow.ports) if (!edge.ports.has(`${p.port}/${p.protocol}`)) edge.ports.set(`${p.port}/${p.protocol}`, p);
    edges.set(key, edge);
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()].map((e) => ({ ...e, ports: sortPorts([...e.ports.values()]) })) };
}
