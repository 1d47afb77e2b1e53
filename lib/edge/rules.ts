/**
 * Validation of the edge fleet on top of the platform's rules: unique
 * names and addresses, host ports KubeEdge itself uses, cluster label values
 * shared only within a site, addresses an edge node can actually reach.
 */
import type { RuleIssue } from '../config/rules';
import { envRule, latestRule } from '../config/rules';
import { Config } from '../config/schema';
import { KUBEEDGE_HOST_PORTS } from './host-ports';
import { clusterLabelValue } from './resolve';


/** True when `host` is a name only cluster DNS resolves (a bare Service name or *.svc / *.cluster.local). */
export function isClusterInternalHost(host: string): boolean {
  if (/^[0-9.]+$/.test(host)) return false;
  return !host.includes('.') || /\.svc(\.|$)/.test(host) || host.endsWith('.cluster.local');
}

/** The host of `host:port`, of a `scheme://host:port` URL, or of a mongodb:// URI. */
function hostOf(address: string): string {
  const noScheme = address.replace(/^[a-z+]+:\/\//, '').replace(/^[^@/]*@/, '');
  return noScheme.split(/[/,?]/)[0].replace(/:[0-9]+$/, '');
}

/** Every edge rule. */
export function edgeRules(c: Config): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const edge = c.edge;
  const error = (path: PropertyKey[], message: string) => issues.push({ path, message, severity: 'error' });
  const warn = (path: PropertyKey[], message: string) => issues.push({ path, message, severity: 'warning' });
  const enabled = edge.nodes.filter((n) => n.enabled);

  const names = new Map<string, number>();
  const duplicates = new Set<number>();
  const addresses = new Map<string, number>();
  edge.nodes.forEach((n, i) => {
    const path = ['edge', 'nodes', i];
    if (names.has(n.name)) {
      error([...path, 'name'], `node name "${n.name}" is already used by edge.nodes[${names.get(n.name)}]`);
      duplicates.add(i);
    } else {
      names.set(n.name, i);
    }
    if (addresses.has(n.address)) error([...path, 'address'], `address "${n.address}" is already used by edge.nodes[${addresses.get(n.address)}]`);
    else addresses.set(n.address, i);
    if (n.profile !== undefined && edge.profiles[n.profile] === undefined) {
      const known = Object.keys(edge.profiles);
      error([...path, 'profile'], `profile "${n.profile}" is not defined in edge.profiles${known.length ? ` (defined: ${known.join(', ')})` : ''}`);
    }
    if (!edge.edgeMesh && isClusterInternalHost(n.address)) {
      error([...path, 'address'], `"${n.address}" is a cluster-internal name; coordinators reach the node at an address routable from cloud pods`);
    }
  });

  // Host ports and images, wherever they are set.
  const levels: { path: PropertyKey[]; s: (typeof edge.nodes)[number] | typeof edge.defaults }[] = [
    { path: ['edge', 'defaults'], s: edge.defaults },
    ...Object.entries(edge.profiles).map(([k, s]) => ({ path: ['edge', 'profiles', k], s })),
    ...edge.nodes.map((s, i) => ({ path: ['edge', 'nodes', i], s })),
  ];
  for (const { path, s } of levels) {
    if (s.port !== undefined) {
      const owner = KUBEEDGE_HOST_PORTS.get(s.port);
      if (owner) error([...path, 'port'], `host port ${s.port} is used by KubeEdge (${owner}) on edge hosts; choose another`);
      if (edge.apiAccess.mode === 'sidecar' && s.port === c.apiProxy.port) {
        error([...path, 'port'], `port ${s.port} is already used by the API proxy sidecar (apiProxy.port) in the same pod`);
      }
    }
    for (const key of ['image', 'executorImage'] as const) issues.push(...latestRule(c, s[key], [...path, key]));
    for (const key of ['images', 'executorImages'] as const) {
      for (const [arch, ref] of Object.entries(s[key] ?? {})) issues.push(...latestRule(c, ref, [...path, key, arch]));
    }
    issues.push(...envRule(s.env ?? {}, [...path, 'env']));
  }

  // Cluster label values: one per node, shared only inside a site group.
  const byValue = new Map<string, { index: number; site?: string }>();
  edge.nodes.forEach((n, i) => {
    if (!n.enabled || duplicates.has(i)) return; // a duplicate name is reported once, above
    const value = clusterLabelValue(n);
    const other = byValue.get(value);
    if (other === undefined) {
      byValue.set(value, { index: i, site: n.site });
    } else if (n.site === undefined || n.site !== other.site) {
      error(['edge', 'nodes', i, n.clusterLabelValue !== undefined ? 'clusterLabelValue' : 'name'],
        `cluster label value "${value}" is already used by edge.nodes[${other.index}]; nodes may share one only when grouped with the same "site"`);
    }
  });
  if (c.taskManager.enabled && byValue.has(c.taskManager.clusterLabelValue)) {
    error(['taskManager', 'clusterLabelValue'], `cluster label value "${c.taskManager.clusterLabelValue}" is also used by an edge node`);
  }
  const groups = new Map<string, string[]>();
  for (const n of enabled) if (n.site !== undefined) groups.set(n.site, [...(groups.get(n.site) ?? []), n.name]);
  for (const [site, members] of [...groups].sort()) {
    if (members.length > 1) {
      warn(['edge', 'nodes'], `site "${site}" groups ${members.length} nodes (${members.join(', ')}): executors of each of their task managers may run on any of them, so their site folders must hold the same data at the same paths`);
    }
  }

  edge.nodes.forEach((n, i) => {
    const profile = n.profile === undefined ? undefined : edge.profiles[n.profile];
    const registration = n.registration ?? profile?.registration ?? edge.defaults.registration;
    if (n.enabled && registration === false) {
      warn(['edge', 'nodes', i], `node "${n.name}" does not register with the client selector (registration: false), so no job will ever select it`);
    }
  });

  if (enabled.length === 0) return issues;

  // What edge nodes connect to must be routable from them.
  const proxyAddress = edge.proxyAddress ?? c.proxy.externalAddress;
  if (proxyAddress === undefined) {
    error(['proxy', 'externalAddress'], 'edge nodes need the address of the proxy\'s gRPC port from outside the cluster: set proxy.externalAddress (e.g. <cloud node address>:<proxy.expose.nodePort>)');
  } else if (!edge.edgeMesh && isClusterInternalHost(hostOf(proxyAddress))) {
    error([...(edge.proxyAddress ? ['edge', 'proxyAddress'] : ['proxy', 'externalAddress'])], `"${proxyAddress}" is a cluster-internal name that edge nodes cannot resolve without EdgeMesh: use the proxy's external address`);
  }
  const db = c.database;
  if (edge.databaseAddress === undefined) {
    if (db.type === 'embedded' && !edge.edgeMesh) {
      error(['edge', 'databaseAddress'], 'edge nodes need a database address they can reach: set database.embedded.edgeNodePort and edge.databaseAddress to <cloud node address>:<that port> (or declare edge.edgeMesh)');
    } else if (db.type !== 'embedded' && db.external && !edge.edgeMesh && isClusterInternalHost(hostOf(db.external.address))) {
      error(['database', 'external', 'address'], `"${db.external.address}" is a cluster-internal name edge nodes cannot resolve: set edge.databaseAddress to an address they can reach`);
    }
  } else {
    if (!edge.edgeMesh && isClusterInternalHost(hostOf(edge.databaseAddress))) {
      error(['edge', 'databaseAddress'], `"${edge.databaseAddress}" is a cluster-internal name that edge nodes cannot resolve without EdgeMesh`);
    }
    if (db.type !== 'mongo' && !/^[^:/\s]+:[0-9]{1,5}$/.test(edge.databaseAddress)) {
      error(['edge', 'databaseAddress'], `PostgreSQL addresses must be exactly host:port, found "${edge.databaseAddress}"`);
    }
    if (db.type === 'embedded' && db.embedded.edgeNodePort === undefined && !edge.edgeMesh) {
      error(['database', 'embedded', 'edgeNodePort'], 'edge.databaseAddress is set but the embedded database is not exposed: set database.embedded.edgeNodePort');
    }
  }
  if (db.type === 'embedded' && db.embedded.edgeNodePort !== undefined) {
    warn(['database', 'embedded', 'edgeNodePort'], `the embedded database is exposed on NodePort ${db.embedded.edgeNodePort} of every cloud node for edge task managers; restrict who can reach it (firewall or network policy)`);
  }
  if (edge.apiAccess.server && !edge.edgeMesh && isClusterInternalHost(hostOf(edge.apiAccess.server))) {
    error(['edge', 'apiAccess', 'server'], `"${edge.apiAccess.server}" is a cluster-internal name that edge nodes cannot resolve without EdgeMesh`);
  }
  if (edge.apiAccess.mode === 'sidecar' && edge.apiAccess.server === undefined) {
    warn(['edge', 'apiAccess', 'server'], 'sidecar mode without a server uses the in-cluster address that MetaServer injects: needs KubeEdge 1.17+ with the requireAuthorization feature gate on in cloudcore and edgecore');
  }
  return issues;
}
