/**
 * Validation of the edge fleet on top of the platform's rules: unique
 * names and addresses, host ports KubeEdge itself uses, cluster label values
 * shared only within a site, addresses an edge node can actually reach.
 */
import type { RuleIssue } from '../config/errors';
import { envRule, latestRule, SITE_DIR_KEYS, SiteDirUse, siteDirRules } from './rules';
import { HOST_PORT, hostOf } from '../config/addresses';
import { quantityValue } from '../config/k8s-rules';
import { Config, EdgeSettings } from '../config/schema';
import { siteDirs } from './site-dirs';
import { KUBEEDGE_HOST_PORTS } from './host-ports';
import { clusterLabelValue, EDGE_DIRS_ROOT } from './fleet';
import { olderThan } from './kubeedge';

/** Node labels the node itself sets, which pin the task manager to it: never set from config. */
const NODE_OWN_LABELS = ['kubernetes.io/hostname', 'kubernetes.io/arch'];

/** True when `host` is a name only cluster DNS resolves (a bare Service name or *.svc / *.cluster.local). */
function isClusterInternalHost(host: string): boolean {
  if (/^[0-9.]+$/.test(host)) return false;
  return !host.includes('.') || /\.svc(\.|$)/.test(host) || host.endsWith('.cluster.local');
}

/** A settings level of an edge node and where it is in the config. */
interface Level {
  readonly path: PropertyKey[];
  readonly s: EdgeSettings;
}

/** The most specific level that sets a value, and the value. */
function mostSpecific<T>(levels: readonly Level[], get: (s: EdgeSettings) => T | undefined): { value: T; path: PropertyKey[] } | undefined {
  for (let i = levels.length - 1; i >= 0; i--) {
    const value = get(levels[i].s);
    if (value !== undefined) return { value, path: levels[i].path };
  }
  return undefined;
}

/** A config path as written in messages, e.g. `edge.nodes[0].resources`. */
function dotted(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').slice(1);
}

/** Rules on the merged settings of one node: its site folders and its requests against its limits. */
function mergedRules(levels: readonly Level[], nodePath: PropertyKey[]): RuleIssue[] {
  const defaults = siteDirs({}, EDGE_DIRS_ROOT);
  const dirs: SiteDirUse[] = SITE_DIR_KEYS.map((key) => {
    const set = mostSpecific(levels, (s) => s.dirs?.[key]);
    return set ? { key, path: set.value, setAt: [...set.path, 'dirs', key] } : { key, path: defaults[key] };
  });
  const issues = siteDirRules(dirs, nodePath);
  for (const key of ['cpu', 'memory'] as const) {
    const req = mostSpecific(levels, (s) => s.resources?.requests?.[key]);
    const lim = mostSpecific(levels, (s) => s.resources?.limits?.[key]);
    if (req && lim && req.path !== lim.path && quantityValue(req.value)! > quantityValue(lim.value)!) {
      issues.push({
        path: [...req.path, 'resources', 'requests', key],
        severity: 'error',
        message: `request ${req.value} is above the limit ${lim.value} set in ${dotted([...lim.path, 'resources', 'limits', key])}: a request may be at most its limit`,
      });
    }
  }
  return issues;
}

/** Collects the issues of the edge rules, in the order they are found. */
class Report {
  readonly issues: RuleIssue[] = [];

  error(path: PropertyKey[], message: string, related?: PropertyKey[]): void {
    this.issues.push({ path, message, severity: 'error', related });
  }

  warn(path: PropertyKey[], message: string, related?: PropertyKey[]): void {
    this.issues.push({ path, message, severity: 'warning', related });
  }
}

/** Every edge rule. */
export function edgeRules(c: Config): RuleIssue[] {
  const report = new Report();
  const duplicates = nodeIdentityRules(c, report);
  settingsLevelRules(c, report);
  mergedNodeRules(c, report);
  clusterLabelRules(c, duplicates, report);
  registrationRules(c, report);
  if (c.edge.nodes.some((n) => n.enabled)) {
    proxyAddressRules(c, report);
    databaseAddressRules(c, report);
    databaseExposureRules(c, report);
    apiAccessRules(c, report);
  }
  return report.issues;
}

/**
 * Each node's name, address and profile: unique names and addresses, a
 * defined profile, an address routable from cloud pods. Returns the indexes
 * of the nodes whose name is a duplicate (reported here, once).
 */
function nodeIdentityRules(c: Config, report: Report): Set<number> {
  const edge = c.edge;
  const names = new Map<string, number>();
  const duplicates = new Set<number>();
  const addresses = new Map<string, number>();
  edge.nodes.forEach((n, i) => {
    const path = ['edge', 'nodes', i];
    if (names.has(n.name)) {
      report.error([...path, 'name'], `node name "${n.name}" is already used by edge.nodes[${names.get(n.name)}]`);
      duplicates.add(i);
    } else {
      names.set(n.name, i);
    }
    if (addresses.has(n.address)) {
      const other = addresses.get(n.address)!;
      report.error([...path, 'address'], `address "${n.address}" is already used by edge.nodes[${other}] ("${edge.nodes[other].name}")`);
    }
    else addresses.set(n.address, i);
    if (n.profile !== undefined && edge.profiles[n.profile] === undefined) {
      const known = Object.keys(edge.profiles);
      report.error([...path, 'profile'], `profile "${n.profile}" is not defined in edge.profiles${known.length ? ` (defined: ${known.join(', ')})` : ''}`);
    }
    if (!edge.edgeMesh && isClusterInternalHost(n.address)) {
      report.error([...path, 'address'], `"${n.address}" is a cluster-internal name; coordinators reach the node at an address routable from cloud pods`);
    }
  });
  return duplicates;
}

/** Host ports, images, env and node labels, wherever they are set (defaults, profiles, nodes); then the cluster label key. */
function settingsLevelRules(c: Config, report: Report): void {
  const edge = c.edge;
  const levels: Level[] = [
    { path: ['edge', 'defaults'], s: edge.defaults },
    ...Object.entries(edge.profiles).map(([k, s]) => ({ path: ['edge', 'profiles', k], s })),
    ...edge.nodes.map((s, i) => ({ path: ['edge', 'nodes', i], s })),
  ];
  for (const { path, s } of levels) {
    if (s.port !== undefined) {
      const owner = KUBEEDGE_HOST_PORTS.get(s.port);
      if (owner) report.error([...path, 'port'], `host port ${s.port} is used by KubeEdge (${owner}) on edge hosts; choose another`);
      if (edge.apiAccess.mode === 'sidecar' && s.port === c.apiProxy.port) {
        report.error([...path, 'port'], `port ${s.port} is already used by the API proxy sidecar (apiProxy.port) in the same pod`);
      }
    }
    for (const key of ['image', 'executorImage'] as const) report.issues.push(...latestRule(c, s[key], [...path, key]));
    for (const key of ['images', 'executorImages'] as const) {
      for (const [arch, ref] of Object.entries(s[key] ?? {})) report.issues.push(...latestRule(c, ref, [...path, key, arch]));
    }
    report.issues.push(...envRule(s.env ?? {}, [...path, 'env']));
    for (const key of Object.keys(s.nodeLabels ?? {})) nodeLabelRule(c, key, [...path, 'nodeLabels', key], report);
  }

  if (NODE_OWN_LABELS.includes(c.taskManager.clusterLabelKey) && edge.nodes.length > 0) {
    report.error(
      ['taskManager', 'clusterLabelKey'],
      `"${c.taskManager.clusterLabelKey}" is set by each node itself and pins edge task managers to their node: ` +
        'choose another key, e.g. kubernetes.io/cluster_id',
    );
  }
}

/** A node label key set in config: neither the cluster label nor one the node sets itself. */
function nodeLabelRule(c: Config, key: string, path: PropertyKey[], report: Report): void {
  if (key === c.taskManager.clusterLabelKey) {
    report.error(
      path,
      `"${key}" is the cluster label (taskManager.clusterLabelKey), whose value comes from the node's clusterLabelValue, site or name: ` +
        'set clusterLabelValue instead',
    );
  } else if (NODE_OWN_LABELS.includes(key)) {
    report.error(path, `"${key}" is set by the node itself and pins the task manager to it: remove it`);
  }
}

/** The merged settings of each enabled node; an error at a shared level is reported once. */
function mergedNodeRules(c: Config, report: Report): void {
  const edge = c.edge;
  const seen = new Set<string>();
  edge.nodes.forEach((n, i) => {
    if (!n.enabled) return;
    const profile = n.profile === undefined ? undefined : edge.profiles[n.profile];
    const nodeLevels: Level[] = [
      { path: ['edge', 'defaults'], s: edge.defaults },
      ...(profile ? [{ path: ['edge', 'profiles', n.profile!], s: profile }] : []),
      { path: ['edge', 'nodes', i], s: n },
    ];
    for (const issue of mergedRules(nodeLevels, ['edge', 'nodes', i])) {
      const key = `${issue.path.join('\0')}\0${issue.message}`;
      if (!seen.has(key)) report.issues.push(issue);
      seen.add(key);
    }
  });
}

/** Cluster label values: one per node, shared only inside a site group, and none the cloud task manager's. */
function clusterLabelRules(c: Config, duplicates: ReadonlySet<number>, report: Report): void {
  const edge = c.edge;
  const byValue = new Map<string, { index: number; site?: string }>();
  edge.nodes.forEach((n, i) => {
    if (!n.enabled || duplicates.has(i)) return; // a duplicate name is reported once, by nodeIdentityRules
    const value = clusterLabelValue(n);
    const other = byValue.get(value);
    if (other === undefined) {
      byValue.set(value, { index: i, site: n.site });
    } else if (n.site === undefined || n.site !== other.site) {
      report.error(['edge', 'nodes', i, n.clusterLabelValue !== undefined ? 'clusterLabelValue' : n.site !== undefined ? 'site' : 'name'],
        `cluster label value "${value}" is already used by edge.nodes[${other.index}] ("${edge.nodes[other.index].name}"); ` +
          'nodes may share one only when grouped with the same "site"');
    }
  });
  const cloudClash = c.taskManager.enabled ? byValue.get(c.taskManager.clusterLabelValue) : undefined;
  if (cloudClash !== undefined) {
    report.error(
      ['taskManager', 'clusterLabelValue'],
      `cluster label value "${c.taskManager.clusterLabelValue}" is also used by edge.nodes[${cloudClash.index}] ("${edge.nodes[cloudClash.index].name}"): ` +
        'executors of the cloud task manager could run on that node',
    );
  }
  const groups = new Map<string, string[]>();
  for (const n of edge.nodes) if (n.enabled && n.site !== undefined) groups.set(n.site, [...(groups.get(n.site) ?? []), n.name]);
  for (const [site, members] of [...groups].sort()) {
    if (members.length > 1) {
      report.warn(
        ['edge', 'nodes'],
        `site "${site}" groups ${members.length} nodes (${members.join(', ')}): executors of each of their task managers may run on any of them, ` +
          'so their site folders must hold the same data at the same paths',
      );
    }
  }
}

/** An enabled node that does not register with the client selector is never selected. */
function registrationRules(c: Config, report: Report): void {
  const edge = c.edge;
  edge.nodes.forEach((n, i) => {
    const profile = n.profile === undefined ? undefined : edge.profiles[n.profile];
    const registration = n.registration ?? profile?.registration ?? edge.defaults.registration;
    if (n.enabled && registration === false) {
      report.warn(['edge', 'nodes', i], `node "${n.name}" does not register with the client selector (registration: false), so no job will ever select it`);
    }
  });
}

/** The proxy address edge nodes connect to: set, and routable from them. */
function proxyAddressRules(c: Config, report: Report): void {
  const edge = c.edge;
  const proxyAddress = edge.proxyAddress ?? c.proxy.externalAddress;
  if (proxyAddress === undefined) {
    report.error(
      ['proxy', 'externalAddress'],
      'edge nodes need the address of the proxy\'s gRPC port from outside the cluster: ' +
        'set proxy.externalAddress (e.g. <cloud node address>:<proxy.expose.nodePort>)',
      ['edge', 'nodes'],
    );
  } else if (!edge.edgeMesh && isClusterInternalHost(hostOf(proxyAddress))) {
    report.error(
      [...(edge.proxyAddress ? ['edge', 'proxyAddress'] : ['proxy', 'externalAddress'])],
      `"${proxyAddress}" is a cluster-internal name that edge nodes cannot resolve without EdgeMesh: use the proxy's external address`,
    );
  }
}

/** The database address edge nodes connect to: set (or derivable), routable from them, and of the database's form. */
function databaseAddressRules(c: Config, report: Report): void {
  const edge = c.edge;
  const db = c.database;
  if (edge.databaseAddress === undefined) {
    if (db.type === 'embedded' && !edge.edgeMesh) {
      report.error(
        ['edge', 'databaseAddress'],
        'edge nodes need a database address they can reach: ' +
          'set database.embedded.edgeNodePort and edge.databaseAddress to <cloud node address>:<that port>, ' +
          'or database.embedded.edgeLoadBalancer and edge.databaseAddress to its address (or declare edge.edgeMesh)',
        ['edge', 'nodes'],
      );
    } else if (db.type !== 'embedded' && db.external && !edge.edgeMesh && isClusterInternalHost(hostOf(db.external.address))) {
      report.error(
        ['database', 'external', 'address'],
        `"${db.external.address}" is a cluster-internal name edge nodes cannot resolve: set edge.databaseAddress to an address they can reach`,
      );
    }
    return;
  }
  if (!edge.edgeMesh && isClusterInternalHost(hostOf(edge.databaseAddress))) {
    report.error(['edge', 'databaseAddress'], `"${edge.databaseAddress}" is a cluster-internal name that edge nodes cannot resolve without EdgeMesh`);
  }
  if (db.type !== 'mongo' && !HOST_PORT.test(edge.databaseAddress)) {
    report.error(
      ['edge', 'databaseAddress'],
      `database.type is ${db.type === 'embedded' ? 'embedded (PostgreSQL)' : db.type}, whose addresses must be exactly host:port, ` +
        `e.g. 203.0.113.10:30432; found "${edge.databaseAddress}"`,
    );
  }
  if (db.type === 'embedded' && db.embedded.edgeNodePort === undefined && db.embedded.edgeLoadBalancer === undefined && !edge.edgeMesh) {
    report.error(
      ['database', 'embedded', 'edgeNodePort'],
      'edge.databaseAddress is set but the embedded database is not exposed: set database.embedded.edgeNodePort or database.embedded.edgeLoadBalancer',
      ['edge', 'databaseAddress'],
    );
  }
}

/** How the embedded database is exposed to edge nodes: one way, and a warning for an unrestricted NodePort. */
function databaseExposureRules(c: Config, report: Report): void {
  const db = c.database;
  if (db.type !== 'embedded') return;
  if (db.embedded.edgeNodePort !== undefined && db.embedded.edgeLoadBalancer !== undefined) {
    report.error(
      ['database', 'embedded', 'edgeLoadBalancer'],
      'set one way to expose the embedded database to edge nodes, not both',
      ['database', 'embedded', 'edgeNodePort'],
    );
  } else if (db.embedded.edgeNodePort !== undefined && (!c.tls.enabled || c.tls.plaintextDatabase)) {
    // With TLS and no plaintext, the task managers' roles log in only with their certificate of the platform's CA (and
    // password), every other role only over TLS with its password: the NodePort admits no one by address alone.
    const plaintext = c.tls.enabled
      ? 'tls.plaintextDatabase lets its passwords cross the network in plaintext'
      : 'with tls.enabled false no certificate is demanded and passwords cross the network in plaintext';
    report.warn(
      ['database', 'embedded', 'edgeNodePort'],
      `the embedded database is exposed on NodePort ${db.embedded.edgeNodePort} of every cloud node for edge task managers, ` +
        `a NodePort cannot be restricted by source address (kube-proxy rewrites it), and ${plaintext}; ` +
        "restrict it with your cloud nodes' firewall, or use database.embedded.edgeLoadBalancer with sourceRanges",
    );
  }
}

/** The API server address of the edge nodes' API access: routable from them, or MetaServer's with its feature gate. */
function apiAccessRules(c: Config, report: Report): void {
  const edge = c.edge;
  if (edge.apiAccess.server && !edge.edgeMesh && isClusterInternalHost(hostOf(edge.apiAccess.server))) {
    report.error(['edge', 'apiAccess', 'server'], `"${edge.apiAccess.server}" is a cluster-internal name that edge nodes cannot resolve without EdgeMesh`);
  }
  // On an older KubeEdge, kubeedge.ts warns that the setting needs 1.17 instead.
  if (edge.apiAccess.mode === 'sidecar' && edge.apiAccess.server === undefined && !olderThan(edge.kubeedgeVersion, '1.17')) {
    report.warn(
      ['edge', 'apiAccess', 'server'],
      'sidecar mode without a server uses the in-cluster address that MetaServer injects: ' +
        'turn on the requireAuthorization feature gate in cloudcore and edgecore (KubeEdge 1.17+)',
      ['edge', 'apiAccess', 'mode'],
    );
  }
}
