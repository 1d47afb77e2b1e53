/**
 * dist/README.md: a picture of the generated platform for reviewers (GitHub
 * and GitLab render its Mermaid diagram). The diagram is the graph of the
 * flows the NetworkPolicies are rendered from (graph.ts); the boxes carry the
 * Services and how each is reached, from the generated objects (objects.ts);
 * the edge fleet is one box however many nodes it has. Not a manifest:
 * `kubectl apply -f` on a folder and Argo CD's directory source read only
 * `.yaml`, `.yml` and `.json` files.
 */
import { WORKLOAD_NAMESPACE } from '../components/api-access';
import { Flow, FlowPort, Peer, TASK_MANAGER_PORT_NAME } from '../components/network-flows';
import { CLOUD_SITE } from '../components/network-policies';
import { SITE_LABEL } from '../labels';
import { EdgeSite } from '../resolve/fleet';
import { flowGraph, GraphNode } from './graph';
import { MermaidGroup, MermaidNode, mermaidFlowchart } from './mermaid';
import { EDGE_NODE_FILES, OutputObjects } from './objects';

/** Path of the page in the output folder. */
export const OVERVIEW_FILE = 'README.md';

/** What the page is drawn from. */
export interface OverviewInput {
  /** The first line of the page (the generated-file notice, as a Markdown comment). */
  readonly header: string;
  /** The config's `name`. */
  readonly name: string;
  /** The platform's namespace. */
  readonly namespace: string;
  /** Every flow of the platform: the list the NetworkPolicies are rendered from. */
  readonly flows: readonly Flow[];
  /**
   * The file of the NetworkPolicies.
   * @default none: `networkPolicies.enabled` is false
   */
  readonly policyFile?: string;
  /** The generated objects, summarized. */
  readonly objects: OutputObjects;
  /** The enabled edge nodes. */
  readonly edgeSites: readonly EdgeSite[];
  /** `gitops.edgeShards`. */
  readonly shards: number;
  /** The non-manifest files of the output (path → what it is), besides this page. */
  readonly records: ReadonlyMap<string, string>;
}

/** The label that names a pod's component. */
const COMPONENT_LABEL = 'app.kubernetes.io/component';

/** The component key of a Service's selector, `component` or `component/cloud`, matching {@link componentKey}. */
function selectorKey(svc: Record<string, any>): string | undefined {
  const sel: Record<string, string> | undefined = svc.spec?.selector;
  const component = sel?.[COMPONENT_LABEL];
  if (component === undefined) return undefined;
  return sel![SITE_LABEL] === CLOUD_SITE ? `${component}/${CLOUD_SITE}` : component;
}

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

/** Distinct values, in order. */
const distinct = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

/** `a–b` or `a` for a set of numbers. */
function range(ns: readonly number[]): string {
  const sorted = distinct(ns).sort((a, b) => a - b);
  return sorted.length === 1 ? String(sorted[0]) : `${sorted[0]}–${sorted[sorted.length - 1]}`;
}

/** `n thing` or `n things`. */
const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** How a Service is reached, besides the routes to it. */
function serviceReach(svc: Record<string, any>, port: Record<string, any>): string {
  const spec = svc.spec ?? {};
  const ips: string[] = spec.externalIPs ?? [];
  const extra = ips.length > 0 ? `; external IPs ${ips.join(', ')}` : '';
  switch (spec.type) {
    case 'NodePort':
      return `NodePort ${port.nodePort ?? '(assigned)'} on every node${extra}`;
    case 'LoadBalancer': {
      const ranges: string[] = spec.loadBalancerSourceRanges ?? [];
      return `load balancer${ranges.length > 0 ? ` admitting ${ranges.join(', ')}` : ''}${port.nodePort !== undefined ? ` (NodePort ${port.nodePort})` : ''}${extra}`;
    }
    default:
      return `${spec.clusterIP === 'None' ? 'inside the cluster, headless' : 'inside the cluster'}${extra}`;
  }
}

/** The routes (HTTPRoute, Ingress) to each Service, by Service name. */
function routesByService(objects: OutputObjects): Map<string, string[]> {
  const routes = new Map<string, string[]>();
  const add = (service: string, text: string) => routes.set(service, distinct([...(routes.get(service) ?? []), text]));
  for (const o of objects.exposing) {
    if (o.kind === 'HTTPRoute') {
      const parents = (o.spec.parentRefs ?? []).map((p: any) => `Gateway ${p.namespace ?? o.metadata.namespace}/${p.name}`).join(', ');
      const hosts: string[] = o.spec.hostnames ?? [];
      const text = `HTTPRoute ${o.metadata.name} on ${parents}${hosts.length > 0 ? ` for ${hosts.join(', ')}` : ''}`;
      for (const r of o.spec.rules ?? []) for (const b of r.backendRefs ?? []) add(b.name, text);
    }
    if (o.kind === 'Ingress') {
      const rules: any[] = o.spec.rules ?? [];
      const hosts = rules.flatMap((r) => (r.host ? [r.host] : []));
      const text = `Ingress ${o.metadata.name}${o.spec.ingressClassName ? ` (class ${o.spec.ingressClassName})` : ''}${hosts.length > 0 ? ` for ${distinct(hosts).join(', ')}` : ''}`;
      for (const r of rules) for (const p of r.http?.paths ?? []) add(p.backend.service.name, text);
    }
  }
  return routes;
}

/** One row of the exposure table. */
interface Exposure {
  readonly component: string;
  readonly service: string;
  readonly port: string;
  readonly reached: string;
}

/** Every Service port of the platform, and how the edge task managers are reached. */
function exposures(input: OverviewInput): Exposure[] {
  const routes = routesByService(input.objects);
  const rows: Exposure[] = [];
  for (const svc of input.objects.exposing.filter((o) => o.kind === 'Service')) {
    const key = selectorKey(svc);
    const component = key === undefined ? (svc.metadata.labels?.[COMPONENT_LABEL] ?? '') : key.replace(/\/(.*)$/, ' ($1)');
    for (const p of svc.spec.ports ?? []) {
      const reached = [serviceReach(svc, p), ...(routes.get(svc.metadata.name) ?? [])].join('; ');
      rows.push({ component, service: svc.metadata.name, port: `${p.name ?? ''} ${p.port}/${p.protocol ?? 'TCP'}`.trim(), reached });
    }
  }
  if (input.edgeSites.length > 0) {
    rows.push({
      component: 'task-manager (edge)',
      service: '(none: no kube-proxy on edge nodes)',
      port: `${TASK_MANAGER_PORT_NAME} ${range(input.edgeSites.map((s) => s.settings.port))}/TCP`,
      reached: `host port on each edge node's address (${count(input.edgeSites.length, 'node')})`,
    });
  }
  return rows;
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
    const ports = (svc.spec.ports ?? []).map((p: any) => `${p.name ?? ''} ${p.port}`.trim()).join(', ');
    const type = svc.spec.clusterIP === 'None' ? 'headless' : svc.spec.type ?? 'ClusterIP';
    const node = (svc.spec.ports ?? []).flatMap((p: any) => (p.nodePort === undefined ? [] : [`node port ${p.nodePort}`]));
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

/** A Markdown table cell: pipes escaped, no line breaks. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The page. */
export function renderOverview(input: OverviewInput): string {
  const out: string[] = [input.header.trimEnd(), `# The generated platform: \`${input.name}\` in namespace \`${input.namespace}\``, ''];
  out.push(
    input.policyFile !== undefined
      ? `Components, their Services and every connection the NetworkPolicies (\`${input.policyFile}\`) allow: each arrow is one allowed flow, labelled with its destination ports, and nothing else is allowed. "any address" is every address in or outside the cluster (NodePorts, node addresses, the API server, external services).`
      : 'Components, their Services and every connection the platform needs, labelled with the destination ports. `networkPolicies.enabled` is false: no NetworkPolicy is written, so nothing restricts other traffic.',
    '',
    '```mermaid',
    overviewDiagram(input).trimEnd(),
    '```',
    '',
    '## How each component is reached',
    '',
    '| component | Service | port | reached |',
    '|---|---|---|---|',
    ...exposures(input).map((r) => `| ${cell(r.component)} | ${cell(r.service)} | ${cell(r.port)} | ${cell(r.reached)} |`),
    '',
    '## What is where',
    '',
    '| file | holds |',
    '|---|---|',
  );
  for (const [file, kinds] of [...input.objects.kinds].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const what = [...kinds].map(([kind, n]) => (n === 1 ? kind : `${kind} ×${n}`)).join(', ');
    const edge = input.objects.edgeFiles;
    const shown = file === EDGE_NODE_FILES ? `\`${file}\` (${count(edge.files.size, 'file')} in ${count(edge.shards.size, 'shard')})` : `\`${file}\``;
    out.push(`| ${cell(shown)} | ${cell(what)} |`);
  }
  for (const [file, what] of input.records) out.push(`| \`${cell(file)}\` | ${cell(what)} |`);
  out.push(`| \`${OVERVIEW_FILE}\` | this page; not a manifest (\`kubectl apply -f\` on a folder and Argo CD read only .yaml, .yml and .json files) |`, '');
  return out.join('\n');
}
