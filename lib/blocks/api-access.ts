/**
 * How the programs reach the Kubernetes API without the removed insecure
 * port: each runs under its own ServiceAccount with least-privilege RBAC, and
 * talks plain HTTP to a `kubectl proxy` sidecar on 127.0.0.1, which
 * authenticates with that ServiceAccount and verifies the API server.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import type { PlatformContext } from '../resolve/context';
import { COMPONENT, labels, resourceName } from '../labels';
import { env, kubectlContainer, MountedVolume } from './pod';

/** The namespace the programs create coordinator and executor pods in (hard-coded upstream). */
export const WORKLOAD_NAMESPACE = 'default';

/** What the job scheduler does in `default`: create, read by name and delete coordinator Pods and Services. */
const JOB_SCHEDULER_RULES: k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'services'], verbs: ['create', 'get', 'delete'] },
];

/** What a task manager does in `default`: create, read by name and delete executor Pods and Services. */
export const TASK_MANAGER_RULES: k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'services'], verbs: ['create', 'get', 'delete'] },
];

/** What a task manager's resource manager does cluster-wide: get, list and watch Nodes. */
const TASK_MANAGER_NODE_RULES: k8s.PolicyRule[] = [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }];

/** Names of the shared Roles, derived once. */
export function roleNames(context: Pick<PlatformContext, 'name'>) {
  return {
    jobScheduler: resourceName(context, 'job-scheduler'),
    taskManager: resourceName(context, 'task-manager'),
    taskManagerNodes: resourceName(context, 'task-manager-nodes'),
  };
}

/** Props of {@link WorkloadRoles} and {@link NodeReaderRole}. */
export interface RoleProps {
  /** Names and labels of the platform instance. */
  readonly context: PlatformContext;
}

/** The Roles in `default` that the programs are bound to (one per program kind). */
export class WorkloadRoles extends Construct {
  constructor(scope: Construct, id: string, props: RoleProps) {
    super(scope, id);
    const { context } = props;
    const names = roleNames(context);
    new k8s.KubeRole(this, 'JobScheduler', {
      metadata: { name: names.jobScheduler, namespace: WORKLOAD_NAMESPACE, labels: labels(context, COMPONENT.jobScheduler) },
      rules: JOB_SCHEDULER_RULES,
    });
    new k8s.KubeRole(this, 'TaskManager', {
      metadata: { name: names.taskManager, namespace: WORKLOAD_NAMESPACE, labels: labels(context, COMPONENT.taskManager) },
      rules: TASK_MANAGER_RULES,
    });
  }
}

/** The cluster-scoped role of task managers (Nodes). Lives in a chart without a namespace. */
export class NodeReaderRole extends Construct {
  constructor(scope: Construct, id: string, props: RoleProps) {
    super(scope, id);
    const { context } = props;
    new k8s.KubeClusterRole(this, 'Resource', {
      metadata: { name: roleNames(context).taskManagerNodes, labels: labels(context, COMPONENT.taskManager) },
      rules: TASK_MANAGER_NODE_RULES,
    });
  }
}

/** Props of {@link ProgramIdentity}. */
export interface ProgramIdentityProps {
  /** Names, labels and namespace of the platform instance. */
  readonly context: PlatformContext;
  /** ServiceAccount name (also the binding names). */
  readonly name: string;
  /** Component label. */
  readonly component: string;
  /**
   * Site label, for task managers.
   * @default no site label
   */
  readonly site?: string;
  /** Role in `default` to bind. */
  readonly role: string;
  /**
   * ClusterRole to bind.
   * @default none
   */
  readonly clusterRole?: string;
}

/** A program's own ServiceAccount and its bindings to the roles it needs. */
export class ProgramIdentity extends Construct {
  /** The ServiceAccount name to run the pod as. */
  public readonly serviceAccountName: string;

  constructor(scope: Construct, id: string, props: ProgramIdentityProps) {
    super(scope, id);
    const { context, name } = props;
    const lbl = labels(context, props.component, props.site);
    const subject = { kind: 'ServiceAccount', name, namespace: context.namespace };
    this.serviceAccountName = name;
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name, namespace: context.namespace, labels: lbl },
      automountServiceAccountToken: false,
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name, namespace: WORKLOAD_NAMESPACE, labels: lbl },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: props.role },
      subjects: [subject],
    });
    if (props.clusterRole) {
      new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
        metadata: { name, labels: lbl },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: props.clusterRole },
        subjects: [subject],
      });
    }
  }
}

/** Props of {@link ServiceAccountToken}. */
export interface ServiceAccountTokenProps {
  /** Names, labels and namespace of the platform instance. */
  readonly context: PlatformContext;
  /** Name of the Secret. */
  readonly name: string;
  /** The ServiceAccount whose token it holds. */
  readonly serviceAccountName: string;
  /** Labels of the Secret. */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * A long-lived token Secret of a ServiceAccount, for pods on nodes that go
 * offline (projected tokens expire there). Each holder gets its own Secret,
 * so deleting it revokes that holder's token only.
 */
export class ServiceAccountToken extends Construct {
  /** Name of the Secret. */
  public readonly secretName: string;

  constructor(scope: Construct, id: string, props: ServiceAccountTokenProps) {
    super(scope, id);
    this.secretName = props.name;
    // The token controller fills in token, ca.crt and namespace; nothing secret is written here.
    new k8s.KubeSecret(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.context.namespace,
        labels: { ...props.labels },
        annotations: { 'kubernetes.io/service-account.name': props.serviceAccountName },
      },
      type: 'kubernetes.io/service-account-token',
    });
  }
}

/** The sidecar and the environment a program uses to reach the API through it. */
export interface ApiProxySidecar {
  /** The `kubectl proxy` container (listed first, so the program starts after it answers). */
  readonly container: k8s.Container;
  /** Its volumes (scratch space, and the token Secret when given). */
  readonly volumes: k8s.Volume[];
  /** `K8S_ADDRESS` and `K8S_API_PROTOCOL` for the program. */
  readonly env: k8s.EnvVar[];
}

/**
 * A `kubectl proxy` sidecar bound to 127.0.0.1. It uses the pod's
 * ServiceAccount token; `server` (https://host[:port]) points it at another
 * API address (an edge node's MetaServer or the cloud API server's external
 * address). That is done through the in-cluster variables
 * KUBERNETES_SERVICE_HOST/PORT, so kubectl still authenticates with the
 * token and verifies the server with the ServiceAccount's CA, on nodes that
 * inject no such variables too.
 */
export function apiProxySidecar(context: PlatformContext, server?: string, tokenSecret?: string): ApiProxySidecar {
  const port = context.apiProxy.port;
  const args = ['proxy', '--address=127.0.0.1', `--port=${port}`];
  // Where in-cluster clients (kubectl) look for the ServiceAccount's credentials.
  const token: MountedVolume[] = tokenSecret
    ? [{ volume: { name: 'api-token', secret: { secretName: tokenSecret } }, mount: { name: 'api-token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' } }]
    : [];
  const { container, volumes } = kubectlContainer(context, 'api-proxy', ['kubectl', ...args], {
    requests: { cpu: '10m', memory: '32Mi' },
    limits: { cpu: '200m', memory: '128Mi' },
  }, context.apiProxy.resources, token);
  // postStart blocks the next container's start until the proxy answers (at most ~60 s).
  const probe = `kubectl --server=http://127.0.0.1:${port} --request-timeout=5s version >/dev/null 2>&1`;
  const ready = `for i in $(seq 1 60); do ${probe} && exit 0; sleep 1; done; exit 0`;
  const target = server === undefined ? undefined : new URL(server);
  return {
    container: {
      ...container,
      env: [
        ...(container.env ?? []),
        ...(target ? env({ KUBERNETES_SERVICE_HOST: target.hostname, KUBERNETES_SERVICE_PORT: target.port || '443' }) : []),
      ],
      lifecycle: { postStart: { exec: { command: ['sh', '-c', ready] } } },
      // The proxy listens on the pod's loopback only, so the probe runs inside the container.
      livenessProbe: { exec: { command: ['sh', '-c', probe] }, initialDelaySeconds: 10, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 3 },
    },
    volumes,
    env: env({ K8S_ADDRESS: `127.0.0.1:${port}`, K8S_API_PROTOCOL: 'http' }),
  };
}
