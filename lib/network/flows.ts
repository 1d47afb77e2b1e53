/**
 * Who talks to whom, on which ports: the platform's network flows (as the
 * programs' code makes them) as data, built from the ports the constructs that own the Services expose
 * and from the resolved sites. The NetworkPolicies (policies.ts) are
 * rendered from this list; nothing here repeats a port number.
 */
import { splitHostPort } from '../config/addresses';
import { Config } from '../config/schema';
import { METASERVER_PORT } from '../config/defaults';
import { GatewayDataPlane } from '../resolve/api-gateway';
import { EdgeSite } from '../resolve/fleet';
import { TaskManagerSettings } from '../resolve/site';

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

/** What the flows are built from: the Services' owners and the resolved sites. */
export interface FlowSources {
  /** The platform config. */
  readonly config: Config;
  /** The job scheduler's Service (`http`). */
  readonly jobScheduler: PortOwner;
  /** The model manager's Service (`http`). */
  readonly modelManager: PortOwner;
  /** The client selector's Service (`grpc`). */
  readonly selector: PortOwner;
  /** The proxy's internal Service (`grpc`, `http`). */
  readonly proxy: PortOwner;
  /** The embedded S3 endpoint's Service (`s3`), when embedded. */
  readonly objectStorage?: PortOwner;
  /** The embedded database's port, when embedded. */
  readonly databasePort?: number;
  /** `DB_ADDRESS` of the cloud programs (an external database's address matters). */
  readonly databaseAddress: string;
  /** The cloud task manager's settings, when enabled. */
  readonly cloudTaskManager?: TaskManagerSettings;
  /**
   * The pods the API gateway's requests come from.
   * @default none: no API gateway
   */
  readonly gatewayDataPlane?: GatewayDataPlane;
  /** The enabled edge sites. */
  readonly edgeSites: readonly EdgeSite[];
  /** The proxy's gRPC address as edge nodes reach it (when there are edge sites). */
  readonly edgeProxyAddress?: string;
  /** The database address edge nodes use (when there are edge sites). */
  readonly edgeDatabaseAddress?: string;
}

const tcp = (...ports: (number | string)[]): FlowPort[] => ports.map((port) => ({ port, protocol: 'TCP' }));
const dnsPorts: readonly FlowPort[] = [
  { port: DNS_PORT, protocol: 'UDP' },
  { port: DNS_PORT, protocol: 'TCP' },
];
const platform = (component?: string, site?: 'cloud' | 'edge'): Peer => ({ kind: 'platform', component, site });
const WORKLOADS: Peer = { kind: 'workloads' };
const ANYWHERE: Peer = { kind: 'anywhere' };

/** The port of a `host:port` address. */
function portOf(hostPort: string): number {
  return Number(splitHostPort(hostPort)[1]);
}

/** MongoDB's default port, for URI hosts without one and for `mongodb+srv://` (whose ports DNS decides). */
const MONGO_PORT = 27017;

/** The ports of a database address: `host:port`, or every host of a `mongodb://` URI. */
export function databasePorts(address: string): number[] {
  const uri = /^mongodb(\+srv)?:\/\/(?:[^@/]*@)?([^/?]+)/.exec(address);
  if (!uri) return [portOf(address)];
  if (uri[1]) return [MONGO_PORT];
  return [...new Set(uri[2].split(',').map((h) => (/:\d+$/.test(h) ? portOf(h) : MONGO_PORT)))];
}

/** The port of an http(s) URL (its default when unset). */
function urlPort(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

/** Distinct numbers, ascending. */
const distinct = (ns: readonly number[]): number[] => [...new Set(ns)].sort((a, b) => a - b);

/** Every flow of the platform, in a stable order. */
export function platformFlows(s: FlowSources): Flow[] {
  const { config } = s;
  const flows: Flow[] = [];
  const allow = (from: Peer, to: Peer, ports: readonly FlowPort[]) => flows.push({ from, to, ports });
  const js = platform('job-scheduler');
  const mm = platform('model-manager');
  const selector = platform('client-selector');
  const proxy = platform('proxy');
  const setup = platform('setup');
  const cloudTm = s.cloudTaskManager ? platform('task-manager', 'cloud') : undefined;
  const jsHttp = tcp(s.jobScheduler.port('http'));
  const mmHttp = tcp(s.modelManager.port('http'));
  const selectorGrpc = tcp(s.selector.port('grpc'));
  const proxyGrpc = tcp(s.proxy.port('grpc'));
  const apiServer = tcp(...config.networkPolicies.apiServerPorts);

  // Every pod resolves names through the cluster DNS.
  allow(platform(), { kind: 'dns' }, dnsPorts);

  // The API gateway's data plane (a Gateway's proxies or an Ingress controller), as the config names it.
  if (s.gatewayDataPlane) {
    allow(s.gatewayDataPlane, js, jsHttp);
    allow(s.gatewayDataPlane, mm, mmHttp);
  }
  // Task managers outside the cluster reach the gRPC port through a NodePort, load balancer or external IP.
  allow(ANYWHERE, proxy, proxyGrpc);
  // Route registration: only the job scheduler calls the proxy's HTTP port.
  allow(js, proxy, tcp(s.proxy.port('http')));
  // The proxy's /ClientService upstream.
  allow(proxy, selector, selectorGrpc);
  // Before it starts a job, the job scheduler asks the selector whether enough clients are free (CheckClientsResource).
  allow(js, selector, selectorGrpc);
  // The job scheduler is given MODEL_MANAGER_ADDRESS.
  allow(js, mm, mmHttp);
  // Coordinators call the job scheduler (heartbeats), the selector, the model manager and the proxy.
  allow(WORKLOADS, js, jsHttp);
  allow(WORKLOADS, selector, selectorGrpc);
  allow(WORKLOADS, mm, mmHttp);
  allow(WORKLOADS, proxy, proxyGrpc);
  // The job scheduler stops coordinators (Stop, always plaintext); the proxy forwards task managers' calls to them. Both
  // dial the job's `port`, which job authors set to jobScheduler.coordinatorPort.
  const coordinator = tcp(config.jobScheduler.coordinatorPort);
  allow(js, WORKLOADS, coordinator);
  allow(proxy, WORKLOADS, coordinator);
  // Coordinators resolve the platform's Services by name.
  allow(WORKLOADS, { kind: 'dns' }, dnsPorts);

  // The database: the programs with a table, and the set-up Job that creates the tables.
  const dbClients = [js, mm, ...(cloudTm ? [cloudTm] : []), setup];
  if (s.databasePort !== undefined) {
    for (const client of dbClients) allow(client, platform('database'), tcp(s.databasePort));
    // Edge task managers reach it on its edge NodePort or load balancer, or through EdgeMesh (the config rules require
    // one of them): from a node's address, which no selector names. Only the load balancer keeps the edge nodes'
    // addresses (externalTrafficPolicy: Local), so only there can the policy name them.
    const lb = config.database.type === 'embedded' && !config.edge.edgeMesh ? config.database.embedded.edgeLoadBalancer : undefined;
    if (s.edgeSites.length > 0) allow(lb ? { kind: 'addresses', cidrs: lb.sourceRanges } : ANYWHERE, platform('database'), tcp(s.databasePort));
  } else {
    for (const client of dbClients) allow(client, ANYWHERE, tcp(...databasePorts(s.databaseAddress)));
  }
  // The S3 endpoint users upload to (the CLI, through its NodePort).
  if (s.objectStorage) allow(ANYWHERE, platform('object-storage'), tcp(s.objectStorage.port('s3')));
  if (config.modelStorage.type === 's3') allow(mm, ANYWHERE, tcp(urlPort(config.modelStorage.s3!.endpoint)));

  // The Kubernetes API: through the kubectl proxy sidecars and the set-up Jobs' kubectl.
  allow(js, ANYWHERE, apiServer);
  allow(setup, ANYWHERE, apiServer);

  if (s.cloudTaskManager && cloudTm) {
    const tm = s.cloudTaskManager;
    allow(cloudTm, ANYWHERE, apiServer);
    // Registration and results go to the proxy; it waits for the selector before it starts.
    allow(cloudTm, proxy, proxyGrpc);
    allow(cloudTm, selector, selectorGrpc);
    // Coordinators dial it at its Service (external_address); it calls its executors.
    allow(WORKLOADS, cloudTm, tcp(tm.port));
    allow(cloudTm, WORKLOADS, tcp(tm.workerPort));
  }
  // Workers of a multi-worker task reach each other through their Services.
  const workerPorts = distinct([s.cloudTaskManager, ...s.edgeSites.map((e) => e.settings)].flatMap((t) => (t ? [t.workerPort] : [])));
  if (workerPorts.length > 0) allow(WORKLOADS, WORKLOADS, tcp(...workerPorts));

  if (s.edgeSites.length > 0) {
    const edge = platform('task-manager', 'edge');
    // Coordinators dial edge task managers at node address and host port: the source is not a pod the policy can name.
    allow(ANYWHERE, edge, tcp(TASK_MANAGER_PORT_NAME));
    allow(WORKLOADS, ANYWHERE, tcp(...distinct(s.edgeSites.map((e) => e.settings.port))));
    // Edge task managers call their executors (pods in `default` on the same node).
    allow(edge, WORKLOADS, tcp(...distinct(s.edgeSites.map((e) => e.settings.workerPort))));
    const sidecar = config.edge.apiAccess.mode === 'sidecar';
    const apiPort = config.edge.apiAccess.server ? urlPort(config.edge.apiAccess.server) : METASERVER_PORT;
    allow(edge, ANYWHERE, [
      ...tcp(
        ...distinct([
          portOf(s.edgeProxyAddress!),
          ...databasePorts(s.edgeDatabaseAddress!),
          ...(sidecar ? [apiPort] : []),
          ...s.edgeSites.map((e) => e.settings.workerPort),
        ]),
      ),
      // The node's resolver (or EdgeMesh's) is not the cluster DNS.
      ...dnsPorts,
    ]);
  }
  return flows;
}
