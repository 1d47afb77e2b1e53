/**
 * The edge fleet: one edge-variant TaskManager per enabled node, each in its
 * own output file (`edge/<shard>/<node>.k8s.yaml`) with the labels its node
 * must carry, plus the fleet's shared objects: one node labeler and, in
 * sidecar API mode, one ServiceAccount with its bindings. Nothing
 * cluster-scoped is created per node.
 */
import { Construct } from 'constructs';
import { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { ProgramIdentity, roleNames } from '../blocks/api-access';
import type { PlatformContext } from '../resolve/context';
import { DatabaseConnection } from '../blocks/database-client';
import { SetupJob } from '../blocks/setup-job';
import { EdgeApiAccess, EdgeApiIdentity, fleetEnvValues, SharedEnv, TaskManager, TaskManagerTls } from '../components/task-manager';
import { COMPONENT, labels, resourceName } from '../labels';
import { FileChart, OUTPUT_FILES, OutputFile } from '../file-chart';
import type { EdgeSite } from '../resolve/fleet';
import type { EdgeCertificates } from '../resolve/model';
import { edgeFilePath } from './shards';
import { TUNNEL_CONF_FILE } from '../blocks/tls-tunnel';

/** Label of the ConfigMaps that say which labels a node must carry (keys `node` and `labels`): each node's task manager's. */
const NODE_LABELS_SELECTOR = 'fl.neursafe.io/node-labels';

/** How often the node labeler compares node labels with the config (cron). */
const NODE_LABELER_SCHEDULE = '*/10 * * * *';

/**
 * Resource name of an edge node's task manager objects. The per-node family
 * has a prefix of its own (`edge-`) that no fixed object's name has, so no
 * node name can produce another node's (or a fixed object's) name.
 */
function edgeResourceName(context: Pick<PlatformContext, 'name'>, nodeName: string): string {
  return resourceName(context, `edge-${nodeName}`);
}

/** Labels as `k=v` words, sorted, for `kubectl label` and `keadm join --labels`. */
export function labelWords(nodeLabels: Record<string, string>): string[] {
  return Object.keys(nodeLabels)
    .sort()
    .map((k) => `${k}=${nodeLabels[k]}`);
}

/** Props of {@link EdgeFleet}. */
export interface EdgeFleetProps {
  /** Names, labels, namespace and images of the platform instance. */
  readonly context: PlatformContext;
  /** How edge task managers reach the Kubernetes API. */
  readonly apiAccess: EdgeApiAccess;
  /** EdgeMesh serves cluster DNS on the nodes; without it pods use the node's resolver. */
  readonly clusterDns: boolean;
  /** Number of shard folders the nodes' files are spread over (`edge/<shard>/<node>.k8s.yaml`). */
  readonly shards: number;
  /** Enabled, resolved nodes. */
  readonly sites: readonly EdgeSite[];
  /** The database as reachable from edge nodes. */
  readonly db: DatabaseConnection;
  /** The proxy's gRPC address as reachable from edge nodes. */
  readonly proxyAddress: string;
  /**
   * Each node's certificate, for mutual TLS (and the CA its database connection verifies with).
   * @default none: plaintext
   */
  readonly tls?: EdgeTls;
  /**
   * Leave the nodes' files unbuilt, for the caller to build one by one from {@link EdgeFleet.deferred} (synth does, to
   * render only the nodes whose inputs changed); the fleet's shared objects are built as always.
   * @default false: every node is built in this construct
   */
  readonly deferNodes?: boolean;
}

/** The edge nodes' certificates. */
export type EdgeTls = EdgeCertificates;

/**
 * An edge node's task manager TLS and database connection: its own
 * certificate, and the database verified with that certificate's CA (any
 * other Secret a pod uses is copied to the node whole, keys included).
 */
export function edgeSiteWiring(db: DatabaseConnection, tls: EdgeTls | undefined, nodeName: string): { db: DatabaseConnection; tls?: TaskManagerTls } {
  if (tls === undefined) return { db };
  const own: TaskManagerTls = { secretName: tls.secretName(nodeName), issuance: tls.issuance, commonName: tls.commonName, tunnel: tls.tunnel };
  // The database's CA is the node's own certificate's: libpq reads it in the node's ssl folder (trusted.pem).
  return { db: db.tls ? { ...db, tls: { ...db.tls, caSecret: own.secretName, caInSslFolder: true } } : db, tls: own };
}

/**
 * What every edge node's objects are built from: plain data (no functions),
 * so that synth can tell from a digest of it whether a node's file changes.
 */
export interface EdgeNodeShared {
  /** Names, labels, namespace and images of the platform instance. */
  readonly context: PlatformContext;
  /** How the task managers reach the Kubernetes API, with the fleet's ServiceAccount in sidecar mode. */
  readonly api: EdgeApiIdentity;
  /** EdgeMesh serves cluster DNS on the nodes. */
  readonly clusterDns: boolean;
  /** The proxy's gRPC address as reachable from edge nodes. */
  readonly proxyAddress: string;
  /** The fleet's one ConfigMap of the TLS tunnel's nginx.conf (used with TLS only). */
  readonly tunnelConfigMap: string;
  /**
   * The fleet's one ConfigMap of the environment variables its task managers share.
   * @default none: each node's container has all its variables in its own `env`
   */
  readonly env?: SharedEnv;
}

/** What one edge node's objects are built from besides {@link EdgeNodeShared}: plain data. */
export interface EdgeNodeOwn {
  /** The resolved node. */
  readonly site: EdgeSite;
  /** Its output file, `edge/<shard>/<node>.k8s.yaml`. */
  readonly file: string;
  /** The database as the node reaches it (see {@link edgeSiteWiring}). */
  readonly db: DatabaseConnection;
  /**
   * Its certificate.
   * @default none: plaintext
   */
  readonly tls?: TaskManagerTls;
}

/**
 * Builds one edge node's file into `scope`: its task manager, whose
 * ConfigMap also lists the labels its node must carry.
 * @returns the task manager (its TLS tunnel's nginx.conf, none without TLS, is the same for every node of a fleet)
 */
function buildEdgeNode(scope: Construct, shared: EdgeNodeShared, own: EdgeNodeOwn): TaskManager {
  const { context, proxyAddress } = shared;
  const { site, db, tls } = own;
  // Construct ids are node names, never list positions.
  const file = new OutputFile(scope, site.nodeName, own.file);
  const tm = new TaskManager(file, 'TaskManager', {
    context,
    name: edgeResourceName(context, site.nodeName),
    site: site.nodeName,
    settings: site.settings,
    server: proxyAddress,
    db,
    tls,
    waitFor: [...(db.waitAddress ? [{ what: 'database', address: db.waitAddress }] : []), { what: 'proxy', address: proxyAddress }],
    variant: {
      kind: 'edge',
      nodeName: site.nodeName,
      nodeAddress: site.address,
      tolerations: site.tolerations,
      api: shared.api,
      clusterDns: shared.clusterDns,
    },
    sharedTunnelConfigMap: tls ? shared.tunnelConfigMap : undefined,
    sharedEnv: shared.env,
    // The labels its node must carry, for the node labeler: in the site's ConfigMap, which its node receives anyway.
    configMapExtras: { labels: { [NODE_LABELS_SELECTOR]: 'true' }, data: { node: site.nodeName, labels: labelWords(site.nodeLabels).join(' ') } },
  });
  return tm;
}

/** One node's file alone in an App of its own, and its task manager. */
function nodeApp(shared: EdgeNodeShared, own: EdgeNodeOwn): { app: App; taskManager: TaskManager } {
  const app = new App();
  return { app, taskManager: buildEdgeNode(new FileChart(app, 'edge', OUTPUT_FILES.edge), shared, own) };
}

/**
 * The edge nodes of a fleet built with `deferNodes`: each node's file is
 * built on demand, alone in an App of its own ({@link DeferredEdgeNodes.build}),
 * with the same objects, byte for byte, as in the fleet's tree.
 */
export class DeferredEdgeNodes {
  constructor(
    /** What every node is built from. */
    public readonly shared: EdgeNodeShared,
    /** Every node's own inputs, in the fleet's order. */
    public readonly nodes: readonly EdgeNodeOwn[],
    /** The fleet's shared TLS tunnel nginx.conf (none without TLS). */
    public readonly tunnelConf: string | undefined,
  ) {}

  /**
   * A new App holding only `own`'s node: one FileChart with its OutputFile.
   * @throws Error when the node's TLS tunnel differs from the fleet's shared one (a bug)
   */
  public build(own: EdgeNodeOwn): App {
    const { app, taskManager } = nodeApp(this.shared, own);
    sameTunnel(own, taskManager.tunnelConf, this.tunnelConf);
    return app;
  }
}

/** Throws when a node's TLS tunnel nginx.conf is not the fleet's shared one (a bug: every node mounts the shared one). */
function sameTunnel(own: EdgeNodeOwn, conf: string | undefined, fleetConf: string | undefined): void {
  if (conf !== fleetConf) throw new Error(`EdgeFleet: node ${own.site.nodeName}'s TLS tunnel differs from the fleet's shared one`);
}

/** Every edge node's task manager, the node labeler and, in sidecar API mode, the fleet's one ServiceAccount. */
export class EdgeFleet extends Construct {
  /** With `deferNodes`: the nodes, left for the caller to build. */
  public readonly deferred?: DeferredEdgeNodes;

  constructor(scope: Construct, id: string, props: EdgeFleetProps) {
    super(scope, id);
    const { context, sites } = props;
    if (sites.length === 0) return;
    this.labeler(context);
    const base: EdgeNodeShared = {
      context,
      api: props.apiAccess.mode === 'sidecar' ? { ...props.apiAccess, serviceAccountName: this.identity(context) } : { mode: 'metaserver' },
      clusterDns: props.clusterDns,
      proxyAddress: props.proxyAddress,
      // The TLS tunnel's nginx.conf is the same on every node: one ConfigMap for the fleet, beside the labeler.
      // Not `edge-...`, the nodes' own family: no node name can give it.
      tunnelConfigMap: resourceName(context, 'tunnel-edge'),
    };
    const nodes = sites.map((site) => ({ site, file: edgeFilePath(site.nodeName, props.shards), ...edgeSiteWiring(props.db, props.tls, site.nodeName) }));
    // The first node, built aside, gives what the fleet shares: the TLS tunnel's text and the fleet-wide variables.
    const first = nodeApp(base, nodes[0]).taskManager;
    const tunnelConf = first.tunnelConf;
    const envValues = fleetEnvValues(first.programEnv);
    // Not `edge-...`, the nodes' own family: no node name can give it.
    const shared: EdgeNodeShared = Object.keys(envValues).length === 0 ? base : { ...base, env: { configMap: resourceName(context, 'env-edge'), values: envValues } };
    if (props.deferNodes) this.deferred = new DeferredEdgeNodes(shared, nodes, tunnelConf);
    else for (const own of nodes) sameTunnel(own, buildEdgeNode(this, shared, own).tunnelConf, tunnelConf);
    if (shared.env) {
      // No secret in it (the database credentials stay secretKeyRefs of each node): every node may read it.
      new k8s.KubeConfigMap(this, 'Env', {
        metadata: { name: shared.env.configMap, namespace: context.namespace, labels: labels(context, COMPONENT.taskManager) },
        data: shared.env.values,
      });
    }
    if (tunnelConf !== undefined) {
      // No secret in it: every node may read it (KubeEdge sends each node the ConfigMaps its pods reference).
      new k8s.KubeConfigMap(this, 'TlsTunnel', {
        metadata: { name: shared.tunnelConfigMap, namespace: context.namespace, labels: labels(context, COMPONENT.taskManager) },
        data: { [TUNNEL_CONF_FILE]: tunnelConf },
      });
    }
  }

  /**
   * One CronJob that labels the joined nodes whose labels differ from their
   * `NodeLabels` ConfigMap: two list calls, then one `kubectl label` per
   * node that needs it, so the work follows what changed, not the fleet's
   * size. Devices get their labels at registration from `keadm join
   * --labels` (`npm run join`); this catches later changes. Its only
   * cluster-wide right is to list and patch Nodes.
   */
  private labeler(context: PlatformContext): void {
    const name = resourceName(context, 'node-labeler');
    const script = [
      'set -eu',
      'cd "$HOME"',
      `kubectl -n ${context.namespace} get configmap -l ${NODE_LABELS_SELECTOR}=true -o jsonpath='{range .items[*]}{.data.node}{" "}{.data.labels}{"\\n"}{end}' > want`,
      `kubectl get nodes -o go-template='{{range .items}}{{$n := .metadata.name}}{{range $k, $v := .metadata.labels}}{{$n}} {{$k}}={{$v}}{{"\\n"}}{{end}}{{end}}' > have`,
      // One pass: for each wanted node, the labels it lacks (or "-" when it has not joined).
      "awk 'NR == FNR { have[$0] = 1; joined[$1] = 1; next } NF == 0 { next } !($1 in joined) { print $1, \"-\"; next } " +
        "{ m = \"\"; for (i = 2; i <= NF; i++) if (!(($1 \" \" $i) in have)) m = m \" \" $i; if (m != \"\") print $1 m }' have want > todo",
      'n=0; failed=0',
      'while read -r node missing; do',
      '  if [ "$missing" = "-" ]; then echo "node $node has not joined yet: keadm join --labels sets its labels"; continue; fi',
      '  if kubectl label node "$node" $missing --overwrite; then n=$((n + 1)); else failed=$((failed + 1)); fi',
      'done < todo',
      'echo "labelled $n node(s), $failed failed; the others already carry their labels"',
      '[ "$failed" -eq 0 ]',
    ].join('\n');
    const job = new SetupJob(this, 'Labeler', {
      context,
      name,
      script,
      wave: 0,
      ttlSecondsAfterFinished: 300,
      schedule: NODE_LABELER_SCHEDULE,
      // kubectl holds the whole Node list in memory (about 10 kB a node): room for a 10,000-node fleet,
      // fixed so that the fleet's size never changes this shared object.
      resources: { requests: { memory: '64Mi' }, limits: { memory: '1Gi' } },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }],
    });
    const lbl = labels(context, COMPONENT.setup);
    new k8s.KubeClusterRole(this, 'LabelNodes', {
      metadata: { name, labels: lbl },
      rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['list', 'get', 'patch'] }],
    });
    new k8s.KubeClusterRoleBinding(this, 'LabelNodesBinding', {
      metadata: { name, labels: lbl },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: job.serviceAccountName, namespace: context.namespace }],
    });
  }

  /**
   * Sidecar API mode: the edge task managers' one ServiceAccount, bound to
   * exactly what they do (executors in `default`, reading Nodes) and to no
   * other account of the namespace. One account and one binding of each for
   * the whole fleet: nothing cluster-scoped per node; each node gets a token
   * Secret of its own (in its file), so one node's token can be revoked alone.
   */
  private identity(context: PlatformContext): string {
    return new ProgramIdentity(this, 'Identity', {
      context,
      name: resourceName(context, 'edge-task-managers'),
      component: COMPONENT.taskManager,
      role: roleNames(context).taskManager,
      clusterRole: roleNames(context).taskManagerNodes,
    }).serviceAccountName;
  }
}
