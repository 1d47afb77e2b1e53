/**
 * The config's pull secrets for the pods the programs create: coordinators
 * (by the job scheduler) and executors (by the task managers) run in
 * `default` as its `default` ServiceAccount, naming no pull secret of their
 * own, so they pull with that account's `imagePullSecrets`.
 *
 * A set-up Job appends the missing names to that list with a JSON patch
 * (`add` at the end: the other entries and fields are untouched, and it is
 * idempotent). The ServiceAccount is not in the output, so neither Argo CD
 * nor `kubectl apply --prune` ever owns, prunes or deletes it. The Job's
 * only right is `get` and `patch` on that one ServiceAccount.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import type { PlatformContext } from '../resolve/context';
import { COMPONENT, labels, resourceName } from '../labels';
import { SetupJob, syncWave } from '../blocks/setup-job';
import { WORKLOAD_NAMESPACE } from '../blocks/api-access';
import { defineComponent } from '../blocks/define';
import { renderPullSecretsPatchScript } from '../render/pull-secrets-patch';

/** The account the programs' pods run as, in WORKLOAD_NAMESPACE. */
const POD_SERVICE_ACCOUNT = 'default';

/**
 * K8S_IMAGE_PULL_SECRETS (comma-separated Secret names) for the programs that create pods, none without pull
 * secrets. The targeted version ignores it; later ones name these Secrets on the pods they create (docs/images.md).
 */
export function pullSecretsEnv(context: PlatformContext): Record<string, string> {
  return context.images.pullSecrets.length === 0 ? {} : { K8S_IMAGE_PULL_SECRETS: context.images.pullSecrets.join(',') };
}

/** Props of {@link PodPullSecrets}. */
export interface PodPullSecretsProps {
  /** Names, labels, namespace, the kubectl image and `images.pullSecrets` (at least one). */
  readonly context: PlatformContext;
}

/** The Job that adds `images.pullSecrets` to the `default` ServiceAccount of `default`, with its Role there. */
export class PodPullSecrets extends Construct {
  constructor(scope: Construct, id: string, props: PodPullSecretsProps) {
    super(scope, id);
    const { context } = props;
    const name = resourceName(context, 'pod-pull-secrets');
    const script = renderPullSecretsPatchScript({ namespace: WORKLOAD_NAMESPACE, serviceAccount: POD_SERVICE_ACCOUNT, pullSecrets: context.images.pullSecrets });
    const job = new SetupJob(this, 'Job', { context, name, script, wave: 0, ttlSecondsAfterFinished: 300, rules: [] });
    // Before the Job (wave 0), like its own ServiceAccount.
    const meta = { name, namespace: WORKLOAD_NAMESPACE, labels: labels(context, COMPONENT.setup), annotations: syncWave(-1) };
    new k8s.KubeRole(this, 'Role', {
      metadata: meta,
      rules: [{ apiGroups: [''], resources: ['serviceaccounts'], resourceNames: [POD_SERVICE_ACCOUNT], verbs: ['get', 'patch'] }],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: job.serviceAccountName, namespace: context.namespace }],
    });
  }
}

/** The pull secrets of the pods the programs create, when `images.pullSecrets` names any. */
export const pullSecretsComponent = defineComponent({
  name: 'pull-secrets',
  build: (scope, { model: { context } }) => {
    if (context.images.pullSecrets.length > 0) new PodPullSecrets(scope, 'PodPullSecrets', { context });
  },
});
