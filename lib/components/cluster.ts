/**
 * The objects every other component lives in or runs under: the platform's
 * Namespace and the ClusterRole that reads nodes (cluster-scoped, in
 * 00-cluster.k8s.yaml), and the Roles the programs' pods get in `default`,
 * where the programs create coordinators and executors.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { NodeReaderRole, WorkloadRoles } from '../blocks/api-access';
import { defineComponent } from '../blocks/define';
import { syncWave } from '../blocks/setup-job';
import { OUTPUT_FILES } from '../file-chart';
import { KEEP_ON_DELETE } from '../gitops/argocd';
import { APP_NAME, INSTANCE_LABEL } from '../labels';
import type { PlatformContext } from '../resolve/context';

/** The platform's own Namespace (none when it is `default`); also each remote site's, in its folder. */
export function namespace(scope: Construct, context: PlatformContext): void {
  if (context.namespace === 'default') return;
  new k8s.KubeNamespace(scope, 'Namespace', {
    metadata: {
      name: context.namespace,
      annotations: {
        // Before the set-up hooks' ServiceAccounts (waves -2 and later) that live in it.
        ...syncWave(-3),
        // It holds the state (the database PVC, the generated Secrets): never pruned, never deleted with the Application.
        ...KEEP_ON_DELETE,
      },
      labels: {
        'app.kubernetes.io/part-of': APP_NAME,
        // So `kubectl apply -l` (the kubectl path's selector) applies it; pruning never lists Namespaces.
        [INSTANCE_LABEL]: context.name,
        'app.kubernetes.io/instance': context.name,
        'app.kubernetes.io/managed-by': 'cdk8s',
        // The platform mounts host paths (the shared root, task manager site folders).
        'pod-security.kubernetes.io/enforce': 'privileged',
      },
    },
  });
}

/** The Namespace and the node reader ClusterRole. */
export const clusterComponent = defineComponent({
  name: 'cluster',
  file: OUTPUT_FILES.cluster,
  build: (scope, { model: { context } }) => {
    namespace(scope, context);
    new NodeReaderRole(scope, 'NodeReaderRole', { context });
  },
});

/** The Roles of the programs in `default` (coordinators, executors). */
export const workloadRolesComponent = defineComponent({
  name: 'workload-roles',
  build: (scope, { model: { context } }) => {
    new WorkloadRoles(scope, 'WorkloadRoles', { context });
  },
});
