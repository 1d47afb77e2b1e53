/**
 * The Mermaid diagram of the platform: the graph of the flows the
 * NetworkPolicies are rendered from (graph.ts), each box carrying its
 * component's Services, the API gateway's data plane its routes, and the edge
 * fleet one box however many nodes it has.
 */
import { WORKLOAD_NAMESPACE } from '../blocks/api-access';
import { FlowPort, Peer } from '../network/flows';
import { routesByService, selectorKey } from './exposure';
import { flowGraph, GraphNode } from './graph';
import { OverviewInput } from './input';
import { MermaidGroup, MermaidNode, mermaidFlowchart } from './mermaid';
import { count, distinct, range } from './text';
import type { Untyped } from '../config/untyped';

/** The component key of a platform peer (undefined for every other peer). */
function componentKey(peer: Peer): string | undefined {
  if (peer.kind !== 'platform' || peer.component === undefined) return undefined;
  return peer.site === undefined ? peer.component : `${peer.component}/${peer.site}`;
}

/** A peer's title: the component name (and site), or who the other party is. */
function title(peer: Peer): string {
  switch (peer.kind) {
    case 'platform':
      return peer.component === undefined ? 'every pod of the platform' : peer.site === undefined ? peer.component : `${peer.component} (${peer.site})`;
    case 'workloads':
      return 'coordinators and executors';
    case 'pods':
      return `pods in namespace ${peer.namespace}`;
    case 'ciliumIngress':
      return "Cilium's ingress proxy";
    case 'dns':
      return 'cluster DNS';
    case 'anywhere':
      return 'any address';
    case 'addresses':
      return 'these addresses only';
  }
}

/** How many consecutive port numbers are written as one range. */
const RANGE_MIN = 3;

/**
 * An arrow's label: `8088/TCP`, `grpc/TCP`, and runs of at least
 * {@link RANGE_MIN} consecutive numbers as `22001–23000/TCP` (an edge fleet's
 * ports), in the graph's order.
 */
function portsText(ports: readonly FlowPort[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ports.length; ) {
    const p = ports[i];
    let j = i + 1;
    if (typeof p.port === 'number') {
      while (j < ports.length && ports[j].protocol === p.protocol && ports[j].port === (p.port as number) + (j - i)) j++;
    }
    if (j - i >= RANGE_MIN) {
      parts.push(`${p.port}–${ports[j - 1].port}/${p.protocol}`);
      i = j;
    } else {
      parts.push(`${p.port}/${p.protocol}`);
      i++;
    }
  }
  return parts.join(', ');
}

/** The edge fleet in one line: nodes, shards, architectures, site groups. */
function fleetSummary(input: OverviewInput): string {
  const sites = input.edgeSites;
  const arches = distinct(sites.map((s) => s.arch)).sort().map((a) => `${a} ×${sites.filter((s) => s.arch === a).length}`);
  const groups = distinct(sites.flatMap((s) => (s.site === undefined ? [] : [s.site])));
  return [
    `${count(sites.length, 'edge node')} in ${count(input.objects.edgeFiles.shards.size, 'shard')} (of ${input.shards})`,
    arches.join(', '),
    ...(groups.length > 0 ? [count(groups.length, 'site group')] : []),
  ].join('; ');
}

/** A node of the diagram: its title, then the Services that select its pods. */
function diagramNode(node: GraphNode, input: OverviewInput, services: ReadonlyMap<string, string[]>, routed: ReadonlyMap<string, string[]>): MermaidNode {
  const { peer } = node;
  const lines = [title(peer)];
  const key = componentKey(peer);
  if (key !== undefined) lines.push(...(services.get(key) ?? []));
  if (peer.kind === 'platform' && peer.site === 'edge') lines.push(fleetSummary(input), `host ports ${range(input.edgeSites.map((s) => s.settings.port))}`);
  if (peer.kind === 'pods') lines.push(...Object.entries(peer.podLabels).map(([k, v]) => `${k}=${v}`));
  if (peer.kind === 'addresses') lines.push(...peer.cidrs);
  if (peer.kind === 'workloads') lines.push(`created per job in namespace ${WORKLOAD_NAMESPACE}`);
  if (peer.kind === 'pods' || peer.kind === 'ciliumIngress') lines.push(...(routed.get(node.id) ?? []));
  return { id: node.id, lines, shape: peer.kind === 'platform' ? 'box' : 'stadium' };
}

/** The Mermaid diagram of the platform's flows. */
export function overviewDiagram(input: OverviewInput): string {
  const graph = flowGraph(input.flows);
  const routes = routesByService(input.objects);
  // The lines of each component's box: its Services and how they are reached.
  const services = new Map<string, string[]>();
  for (const svc of input.objects.exposing.filter((o) => o.kind === 'Service')) {
    const key = selectorKey(svc);
    if (key === undefined) continue;
    const ports = (svc.spec.ports ?? []).map((p: Untyped) => `${p.name ?? ''} ${p.port}`.trim()).join(', ');
    const type = svc.spec.clusterIP === 'None' ? 'headless' : svc.spec.type ?? 'ClusterIP';
    const node = (svc.spec.ports ?? []).flatMap((p: Untyped) => (p.nodePort === undefined ? [] : [`node port ${p.nodePort}`]));
    services.set(key, [...(services.get(key) ?? []), `Service ${svc.metadata.name} (${type}): ${ports}${node.length > 0 ? `, ${node.join(', ')}` : ''}`]);
  }
  // The API gateway's data plane carries the routes of the components it sends requests to.
  const byKey = new Map(graph.nodes.map((n) => [n.id, n]));
  const routed = new Map<string, string[]>();
  for (const e of graph.edges) {
    const from = byKey.get(e.from)!.peer;
    const to = componentKey(byKey.get(e.to)!.peer);
    if ((from.kind !== 'pods' && from.kind !== 'ciliumIngress') || to === undefined) continue;
    const names = input.objects.exposing.filter((o) => o.kind === 'Service' && selectorKey(o) === to).map((o) => o.metadata.name);
    routed.set(e.from, distinct([...(routed.get(e.from) ?? []), ...names.flatMap((n) => routes.get(n) ?? [])]));
  }
  const nodes = graph.nodes.map((n) => ({ graph: n, mermaid: diagramNode(n, input, services, routed) }));
  const group = (id: string, groupTitle: string, pick: (p: Peer) => boolean): MermaidGroup[] => {
    const members = nodes.filter((n) => pick(n.graph.peer)).map((n) => n.mermaid);
    return members.length > 0 ? [{ id, title: groupTitle, nodes: members }] : [];
  };
  const groups = [
    ...group('g_platform', `namespace ${input.namespace}`, (p) => p.kind === 'platform' && p.site !== 'edge'),
    ...group('g_edge', 'KubeEdge edge nodes', (p) => p.kind === 'platform' && p.site === 'edge'),
    ...group('g_jobs', `namespace ${WORKLOAD_NAMESPACE}`, (p) => p.kind === 'workloads'),
  ];
  const grouped = new Set(groups.flatMap((g) => g.nodes.map((n) => n.id)));
  return mermaidFlowchart(
    groups,
    nodes.filter((n) => !grouped.has(n.mermaid.id)).map((n) => n.mermaid),
    graph.edges.map((e) => ({ from: e.from, to: e.to, label: portsText(e.ports) })),
  );
}
