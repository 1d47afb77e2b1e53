/**
 * Who talks to whom, on which ports: the platform's network flows (as the
 * programs' code makes them) as data. Each component declares the flows of
 * its own programs (its definition's `flows`), built from the ports the
 * constructs that own the Services expose; the cross-cutting ones (DNS,
 * coordinators and executors, edge nodes) are here ({@link sharedFlows}).
 * The NetworkPolicies (policies.ts) and the picture (lib/overview/) are
 * rendered from the whole list, in the order of {@link sortFlows}.
 */
import { splitHostPort } from '../config/addresses';
import { METASERVER_PORT } from '../config/defaults';
import type { PlatformModel } from '../resolve/model';
import { COMPONENT } from '../labels';

/** The DNS port. */
const DNS_PORT = 53;

/** Name of a task manager's container port (the same on every site). */
export const TASK_MANAGER_PORT_NAME = 'grpc';

/** A transport protocol NetworkPolicy can filter. */
export type Protocol = 'TCP' | 'UDP';

/** One destination port of a flow: a number, or a container port name (resolved on the destination pod). */
export interface FlowPort {
  /** Port number or container port name. */
  readonly port: number | string;
  /** Protocol. */
  readonly protocol: Protocol;
}

/** One end of a flow. */
export type Peer =
  /**
   * Pods of this platform instance in its namespace: one component's (and,
   * for task managers, the cloud site's or the edge sites'), or every one
   * when `component` is undefined.
   */
  | { readonly kind: 'platform'; readonly component?: string; readonly site?: 'cloud' | 'edge' }
  /** Coordinators and executors: pods the programs create in namespace `default`. */
  | { readonly kind: 'workloads' }
  /** Pods of another party in one namespace (e.g. the API gateway's data plane), by labels: every pod there when none. */
  | { readonly kind: 'pods'; readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> }
  /** Cilium's reserved identity `ingress`: requests from Cilium's own Gateway API and Ingress proxy. No NetworkPolicy can name it. */
  | { readonly kind: 'ciliumIngress' }
  /** The cluster DNS pods. */
  | { readonly kind: 'dns' }
  /** Any address, in or outside the cluster (NodePorts, the API server, external services). */
  | { readonly kind: 'anywhere' }
  /** Only these addresses outside the pod network (CIDRs), e.g. edge networks behind a load balancer that keeps client addresses. */
  | { readonly kind: 'addresses'; readonly cidrs: readonly string[] };

/** Traffic the platform needs: connections from `from` to `to` on `ports`. */
export interface Flow {
  /** The side that connects. */
  readonly from: Peer;
  /** The side that accepts. */
  readonly to: Peer;
  /** Destination ports. */
  readonly ports: readonly FlowPort[];
}

/** A Service's ports by name, as the construct that owns the Service exposes them. */
export interface PortOwner {
  /** The port called `name`. */
  port(name: string): number;
}

/** Flows on TCP ports. */
export const tcp = (...ports: (number | string)[]): FlowPort[] => ports.map((port) => ({ port, protocol: 'TCP' }));
/** The DNS ports, UDP and TCP. */
export const DNS_PORTS: readonly FlowPort[] = [
  { port: DNS_PORT, protocol: 'UDP' },
  { port: DNS_PORT, protocol: 'TCP' },
];
/** Pods of one component of the platform (and site, for task managers), or every pod of it. */
export const platformPeer = (component?: string, site?: 'cloud' | 'edge'): Peer => ({ kind: 'platform', component, site });
/** Coordinators and executors. */
export const WORKLOADS: Peer = { kind: 'workloads' };
/** Any address. */
export const ANYWHERE: Peer = { kind: 'anywhere' };

/** The port of a `host:port` address. */
function portOf(hostPort: string): number {
  return Number(splitHostPort(hostPort)[1]);
}

/** MongoDB's default port, for URI hosts without one and for `mongodb+srv://` (whose ports DNS decides). */
const MONGO_PORT = 27017;

/** The ports of a database address: `host:port`, or every host of a `mongodb://` URI. */
function databasePorts(address: string): number[] {
  const uri = /^mongodb(\+srv)?:\/\/(?:[^@/]*@)?([^/?]+)/.exec(address);
  if (!uri) return [portOf(address)];
  if (uri[1]) return [MONGO_PORT];
  return [...new Set(uri[2].split(',').map((h) => (/:\d+$/.test(h) ? portOf(h) : MONGO_PORT)))];
}

/** The port of an http(s) URL (its default when unset). */
export function urlPort(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

/** Distinct numbers, ascending. */
const distinct = (ns: readonly number[]): number[] => [...new Set(ns)].sort((a, b) => a - b);

/** The database as its clients reach it. */
export interface DatabaseEndpoint {
  /**
   * The embedded database's port.
   * @default none: the database is external
   */
  readonly port?: number;
  /** `DB_ADDRESS` of the cloud programs (an external database's address matters). */
  readonly address: string;
}

/** A program's connections to the database: to the embedded one's pods, or to an external one's ports. */
export function databaseFlow(from: Peer, db: DatabaseEndpoint): Flow {
  return db.port !== undefined ? { from, to: platformPeer(COMPONENT.database), ports: tcp(db.port) } : { from, to: ANYWHERE, ports: tcp(...databasePorts(db.address)) };
}

/** A program's connections to the Kubernetes API (through its kubectl proxy sidecar, or a Job's kubectl). */
export function apiServerFlow(from: Peer, apiServerPorts: readonly number[]): Flow {
  return { from, to: ANYWHERE, ports: tcp(...apiServerPorts) };
}

/** What the cross-cutting flows are built from: the Services coordinators call, and the resolved sites. */
export interface SharedFlowSources {
  /** The resolved platform. */
  readonly model: Pick<PlatformModel, 'sections' | 'cloudSite' | 'edge' | 'database'>;
  /** The job scheduler's Service (`http`). */
  readonly jobScheduler: PortOwner;
  /** The model manager's Service (`http`). */
  readonly modelManager: PortOwner;
  /** The client selector's Service (`grpc`). */
  readonly selector: PortOwner;
  /** The proxy's internal Service (`grpc`). */
  readonly proxy: PortOwner;
  /** The database as edge nodes reach it (when there are edge sites). */
  readonly edgeDatabase: DatabaseEndpoint;
}

/** The flows no one component owns: DNS, the coordinators' and executors', and the edge task managers'. */
export function sharedFlows(s: SharedFlowSources): Flow[] {
  const { model } = s;
  const flows: Flow[] = [];
  const allow = (from: Peer, to: Peer, ports: readonly FlowPort[]) => flows.push({ from, to, ports });
  const js = platformPeer(COMPONENT.jobScheduler);
  const proxy = platformPeer(COMPONENT.proxy);
  const selectorGrpc = tcp(s.selector.port('grpc'));
  const proxyGrpc = tcp(s.proxy.port('grpc'));

  // Every pod resolves names through the cluster DNS.
  allow(platformPeer(), { kind: 'dns' }, DNS_PORTS);
  // Coordinators call the job scheduler (heartbeats), the selector, the model manager and the proxy.
  allow(WORKLOADS, js, tcp(s.jobScheduler.port('http')));
  allow(WORKLOADS, platformPeer(COMPONENT.clientSelector), selectorGrpc);
  allow(WORKLOADS, platformPeer(COMPONENT.modelManager), tcp(s.modelManager.port('http')));
  allow(WORKLOADS, proxy, proxyGrpc);
  // The job scheduler stops coordinators (Stop, always plaintext); the proxy forwards task managers' calls to them. Both
  // dial the job's `port`, which job authors set to jobScheduler.coordinatorPort.
  const coordinator = tcp(model.sections.jobScheduler.coordinatorPort);
  allow(js, WORKLOADS, coordinator);
  allow(proxy, WORKLOADS, coordinator);
  // Coordinators resolve the platform's Services by name.
  allow(WORKLOADS, { kind: 'dns' }, DNS_PORTS);
  // Workers of a multi-worker task reach each other through their Services.
  const sites = model.edge.sites;
  const workerPorts = distinct([model.cloudSite, ...sites.map((e) => e.settings)].flatMap((t) => (t ? [t.workerPort] : [])));
  if (workerPorts.length > 0) allow(WORKLOADS, WORKLOADS, tcp(...workerPorts));

  if (sites.length > 0) {
    const edge = platformPeer(COMPONENT.taskManager, 'edge');
    // Coordinators dial edge task managers at node address and host port: the source is not a pod the policy can name.
    allow(ANYWHERE, edge, tcp(TASK_MANAGER_PORT_NAME));
    allow(WORKLOADS, ANYWHERE, tcp(...distinct(sites.map((e) => e.settings.port))));
    // Edge task managers call their executors (pods in `default` on the same node).
    allow(edge, WORKLOADS, tcp(...distinct(sites.map((e) => e.settings.workerPort))));
    const apiAccess = model.edge.settings.apiAccess;
    const apiPort = apiAccess.server ? urlPort(apiAccess.server) : METASERVER_PORT;
    allow(edge, ANYWHERE, [
      ...tcp(
        ...distinct([
          // Presence is guaranteed by the edge rules.
          portOf(model.edge.proxyAddress!),
          ...databasePorts(s.edgeDatabase.address),
          ...(apiAccess.mode === 'sidecar' ? [apiPort] : []),
          ...sites.map((e) => e.settings.workerPort),
        ]),
      ),
      // The node's resolver (or EdgeMesh's) is not the cluster DNS.
      ...DNS_PORTS,
    ]);
    // Edge task managers reach the embedded database on its edge NodePort or load balancer, or through EdgeMesh (the
    // config rules require one of them): from a node's address, which no selector names. Only the load balancer keeps
    // the edge nodes' addresses (externalTrafficPolicy: Local), so only there can the policy name them.
    if (s.edgeDatabase.port !== undefined) {
      const lb = model.database.type === 'embedded' && !model.edge.settings.edgeMesh ? model.database.embedded.edgeLoadBalancer : undefined;
      allow(lb ? { kind: 'addresses', cidrs: lb.sourceRanges } : ANYWHERE, platformPeer(COMPONENT.database), tcp(s.edgeDatabase.port));
    }
  }
  return flows;
}

/** A peer's identity: equal peers (same kind and fields) have equal keys, whatever the field order. */
export function peerKey(peer: Peer): string {
  switch (peer.kind) {
    case 'platform':
      return `platform:${peer.component ?? '*'}:${peer.site ?? ''}`;
    case 'pods':
      return `pods:${peer.namespace}:${Object.entries(peer.podLabels).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(',')}`;
    case 'addresses':
      return `addresses:${[...peer.cidrs].sort().join(',')}`;
    default:
      return peer.kind;
  }
}

/**
 * The flows in one order whatever the order they were declared in (by
 * source, destination, then ports): what is rendered from them does not
 * change when a component is added or moved.
 */
export function sortFlows(flows: readonly Flow[]): Flow[] {
  const keyed = flows.map((f) => ({ f, k: `${peerKey(f.from)}\u0000${peerKey(f.to)}\u0000${JSON.stringify(f.ports)}` }));
  return keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0)).map((e) => e.f);
}
