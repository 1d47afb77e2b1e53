/**
 * The edge fleet: one edge-variant TaskManager per enabled node, each in its
 * own output file with what labels its node, plus the one Job that applies
 * node labels declaratively.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { Config } from '../config/schema';
import { DatabaseConnection } from '../components/database';
import { SetupJob, syncWave } from '../components/setup-job';
import { TaskManager } from '../components/task-manager';
import { labels, resourceName } from '../labels';
import { OutputFile } from '../output';
import { EdgeSite } from './resolve';

/** Label of the ConfigMaps that say which labels a node must carry. */
export const NODE_LABELS_SELECTOR = 'fl.neursafe.io/node-labels';

/**
 * Resource name of an edge node's task manager objects. Each per-node family
 * has a prefix of its own (`edge-`, `label-`) and no suffix, so no node name
 * can produce another node's (or a fixed object's) name.
 */
export function edgeResourceName(config: Config, nodeName: string): string {
  return resourceName(config, `edge-${nodeName}`);
}

/** Name of the objects that label an edge node. */
export function labelResourceName(config: Config, nodeName: string): string {
  return resourceName(config, `label-${nodeName}`);
}

/** Output path of an edge node's file. */
export function edgeFilePath(nodeName: string): string {
  return `edge/${nodeName}.k8s.yaml`;
}

/** Labels as `k=v` words, sorted, for `kubectl label` and `keadm join --labels`. */
export function labelWords(nodeLabels: Record<string, string>): string[] {
  return Object.keys(nodeLabels)
    .sort()
    .map((k) => `${k}=${nodeLabels[k]}`);
}

/** Props of {@link EdgeFleet}. */
export interface EdgeFleetProps {
  /** The platform config. */
  readonly config: Config;
  /** Enabled, resolved nodes. */
  readonly sites: readonly EdgeSite[];
  /** The database as reachable from edge nodes. */
  readonly db: DatabaseConnection;
  /** The proxy's gRPC address as reachable from edge nodes. */
  readonly proxyAddress: string;
}

/** Every edge node's task manager and the node labeler. */
export class EdgeFleet extends Construct {
  constructor(scope: Construct, id: string, props: EdgeFleetProps) {
    super(scope, id);
    const { config, sites } = props;
    if (sites.length === 0) return;
    const labeler = resourceName(config, 'node-labeler');
    this.labelerJob(config, labeler);

    for (const site of sites) {
      // Construct ids are node names, never list positions.
      const file = new OutputFile(this, site.nodeName, edgeFilePath(site.nodeName));
      const name = edgeResourceName(config, site.nodeName);
      new TaskManager(file, 'TaskManager', {
        config,
        name,
        site: site.nodeName,
        settings: site.settings,
        server: props.proxyAddress,
        db: props.db,
        waitFor: [
          ...(props.db.waitAddress ? [{ what: 'database', address: props.db.waitAddress }] : []),
          { what: 'proxy', address: props.proxyAddress },
        ],
        variant: {
          kind: 'edge',
          nodeName: site.nodeName,
          nodeAddress: site.address,
          tolerations: site.tolerations,
          api: config.edge.apiAccess.mode === 'metaserver' ? { mode: 'metaserver' } : { mode: 'sidecar', server: config.edge.apiAccess.server },
          clusterDns: config.edge.edgeMesh,
        },
      });
      this.nodeLabels(file, config, site, labeler);
    }
  }

  /** The labels a node must carry, and the right to set exactly those on exactly that node. */
  private nodeLabels(scope: Construct, config: Config, site: EdgeSite, labeler: string): void {
    const name = labelResourceName(config, site.nodeName);
    const lbl = labels(config, 'task-manager', site.nodeName);
    new k8s.KubeConfigMap(scope, 'NodeLabels', {
      metadata: { name, namespace: config.namespace, labels: { ...lbl, [NODE_LABELS_SELECTOR]: 'true' } },
      data: { node: site.nodeName, labels: labelWords(site.nodeLabels).join(' ') },
    });
    new k8s.KubeClusterRole(scope, 'LabelNode', {
      metadata: { name, labels: lbl, annotations: syncWave(-1) },
      rules: [{ apiGroups: [''], resources: ['nodes'], resourceNames: [site.nodeName], verbs: ['get', 'patch'] }],
    });
    new k8s.KubeClusterRoleBinding(scope, 'LabelNodeBinding', {
      metadata: { name, labels: lbl, annotations: syncWave(-1) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: labeler, namespace: config.namespace }],
    });
  }

  /**
   * A Job that labels every listed node that exists. Devices not joined yet
   * get their labels from `keadm join --labels` instead.
   */
  private labelerJob(config: Config, name: string): void {
    const script = [
      'set -u',
      `kubectl -n ${config.namespace} get configmap -l ${NODE_LABELS_SELECTOR}=true -o jsonpath='{range .items[*]}{.data.node}{" "}{.data.labels}{"\\n"}{end}' > "$HOME/nodes" || exit 1`,
      'while read -r node labels; do',
      '  [ -n "$node" ] || continue',
      '  if kubectl get node "$node" >/dev/null 2>&1; then kubectl label node "$node" $labels --overwrite || exit 1',
      '  else echo "node $node has not joined yet: keadm join --labels sets its labels"; fi',
      'done < "$HOME/nodes"',
    ].join('\n');
    // The right to label each node is granted in that node's own file.
    new SetupJob(this, 'Labeler', {
      config,
      name,
      script,
      wave: 0,
      ttlSecondsAfterFinished: 300,
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }],
    });
  }
}
