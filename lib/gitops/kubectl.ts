/**
 * The plain `kubectl apply` path: one command that applies everything but
 * the Argo CD objects and prunes what was removed from the config (edge
 * nodes included), never the Namespace or the state in it.
 */
import type { PlatformModel } from '../resolve/model';
import { instanceSelector } from '../labels';
import { EDGE_DIR } from '../edge/shards';

/**
 * Kinds `kubectl apply --prune` may delete: every kind the output holds
 * except the Namespace (and the API gateway's, see {@link pruneAllowlist}).
 * PersistentVolumeClaims are not listed either, and the generated Secrets
 * (created by a Job) carry neither the labels nor kubectl's last-applied
 * annotation, so pruning never touches state.
 */
const PRUNE_ALLOWLIST: readonly string[] = [
  'core/v1/ConfigMap',
  'core/v1/Secret',
  'core/v1/Service',
  'core/v1/ServiceAccount',
  'apps/v1/Deployment',
  'apps/v1/StatefulSet',
  'batch/v1/Job',
  'batch/v1/CronJob',
  'rbac.authorization.k8s.io/v1/Role',
  'rbac.authorization.k8s.io/v1/RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'networking.k8s.io/v1/NetworkPolicy', // network-policies
];

/**
 * The kinds `kubectl apply --prune` may delete for this config: custom kinds
 * (the HTTPRoute, cert-manager's) only when the output has them, since they
 * exist only where their CRDs are installed and kubectl fails on an
 * allowlisted kind it cannot find. cert-manager keeps a pruned Certificate's
 * Secret.
 */
export function pruneAllowlist(model: Pick<PlatformModel, 'apiGateway' | 'tls'>): string[] {
  const gateway = model.apiGateway.enabled
    ? [model.apiGateway.type === 'httpRoute' ? 'gateway.networking.k8s.io/v1/HTTPRoute' : 'networking.k8s.io/v1/Ingress']
    : [];
  const issuance = model.tls?.issuance;
  const certificates = issuance ? ['cert-manager.io/v1/Certificate', ...(issuance.ca ? ['cert-manager.io/v1/Issuer'] : [])] : [];
  return [...PRUNE_ALLOWLIST, ...gateway, ...certificates];
}

/** The label selector of every object the platform's output holds (Argo CD objects apart). */
export function pruneSelector(model: Pick<PlatformModel, 'context'>): string {
  return instanceSelector(model.context);
}

/**
 * The one `kubectl apply` command for `dist/`: its top-level files and each
 * edge shard folder, not `argocd/` (which needs Argo CD's CRDs).
 */
export function kubectlApplyCommand(model: Pick<PlatformModel, 'apiGateway' | 'tls' | 'context'>): string {
  const outdir = 'dist';
  return [
    `kubectl apply --prune -l ${pruneSelector(model)} \\`,
    ...pruneAllowlist(model).map((k) => `  --prune-allowlist=${k} \\`),
    `  -f ${outdir}/ $(ls -d ${outdir}/${EDGE_DIR}/*/ 2>/dev/null | sed 's/^/-f /')`,
  ].join('\n');
}
