/**
 * What each setting needs of KubeEdge, and the warnings for a config whose
 * settings need a newer KubeEdge than `edge.kubeedgeVersion` (the oldest
 * release the fleet's cloudcore and edgecores run). The same list makes the
 * compatibility table in docs/edge.md, which a test keeps in step with it.
 */
import type { RuleIssue } from '../config/errors';
import { hostOf } from '../config/addresses';
import { Config } from '../config/schema';

/** The address MetaServer serves HTTPS on, for pods, since KubeEdge 1.17. */
const METASERVER_POD_HOST = '169.254.30.10';

/** A KubeEdge feature the output relies on, and when a config uses it. */
export interface KubeEdgeRequirement {
  /** What the config does, as the docs name it. */
  readonly setting: string;
  /** The oldest KubeEdge release with it, `major.minor`. */
  readonly since: string;
  /** What KubeEdge provides for it from that release, and where it says so. */
  readonly because: string;
  /** The field that makes the config need it, when the config does (at least one enabled edge node). */
  readonly usedAt: (config: Config) => readonly PropertyKey[] | undefined;
}

/** Every requirement, oldest release first. */
export const KUBEEDGE_REQUIREMENTS: readonly KubeEdgeRequirement[] = [
  {
    setting: 'edge.apiAccess.mode metaserver',
    since: '1.7',
    because: "the edge Kube-API endpoint: edgecore's MetaServer on 127.0.0.1:10550, fed by cloudcore's dynamicController",
    usedAt: (c) => (c.edge.apiAccess.mode === 'metaserver' ? ['edge', 'apiAccess', 'mode'] : undefined),
  },
  {
    setting: 'edge.edgeMesh',
    since: '1.7',
    because: 'EdgeMesh reads Services and Endpoints through the edge Kube-API endpoint (MetaServer)',
    usedAt: (c) => (c.edge.edgeMesh ? ['edge', 'edgeMesh'] : undefined),
  },
  {
    setting: 'edge.apiAccess.mode sidecar without edge.apiAccess.server',
    since: '1.17',
    because: 'edge pods use InClusterConfig: MetaServer injects KUBERNETES_SERVICE_HOST/PORT and serves HTTPS with authorization (feature gate requireAuthorization in cloudcore and edgecore)',
    usedAt: (c) => (c.edge.apiAccess.mode === 'sidecar' && c.edge.apiAccess.server === undefined ? ['edge', 'apiAccess', 'mode'] : undefined),
  },
  {
    setting: `edge.apiAccess.server on ${METASERVER_POD_HOST}`,
    since: '1.17',
    because: `MetaServer serves HTTPS for pods on ${METASERVER_POD_HOST}:10550 (requireAuthorization)`,
    usedAt: (c) => {
      const { mode, server } = c.edge.apiAccess;
      return mode === 'sidecar' && server !== undefined && hostOf(server) === METASERVER_POD_HOST ? ['edge', 'apiAccess', 'server'] : undefined;
    },
  },
  {
    setting: 'an edge fleet',
    since: '1.18',
    because: "before it cloudcore has no Node authorization (modules.cloudHub.authorization) and hands an edge node any Secret of the cluster it asks for, the CA key and the database superuser " +
      "included; turn it on once upgraded",
    usedAt: () => ['edge', 'nodes'],
  },
];

/** A version as numbers: 1.18.1 -> [1, 18, 1]. */
function parts(version: string): number[] {
  return version.replace(/^v/, '').split('.').map(Number);
}

/** Whether `version` is older than `since` (major.minor). */
export function olderThan(version: string, since: string): boolean {
  const [a, b] = parts(version);
  const [x, y] = parts(since);
  return a < x || (a === x && b < y);
}

/** A warning for each setting that needs a newer KubeEdge than `edge.kubeedgeVersion`; none without enabled edge nodes. */
export function kubeedgeVersionRules(c: Config): RuleIssue[] {
  if (!c.edge.nodes.some((n) => n.enabled)) return [];
  const version = c.edge.kubeedgeVersion;
  return KUBEEDGE_REQUIREMENTS.flatMap((r) => {
    const path = r.usedAt(c);
    if (path === undefined || !olderThan(version, r.since)) return [];
    return [{
      path,
      severity: 'warning' as const,
      message: `${r.setting} needs KubeEdge ${r.since}+ (${r.because}), and edge.kubeedgeVersion is ${version} (docs/edge.md, KubeEdge compatibility)`,
      related: ['edge', 'kubeedgeVersion'],
    }];
  });
}
