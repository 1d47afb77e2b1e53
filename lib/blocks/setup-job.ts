/**
 * A one-shot set-up Job: a kubectl shell script run under its own
 * ServiceAccount with a least-privilege Role. Argo CD runs it as a sync hook
 * on every sync; `kubectl apply` runs it as a plain Job (again once the
 * finished Job has expired). With a schedule it is a CronJob instead.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { Resources } from '../config/schema';
import type { PlatformContext } from '../resolve/context';
import { COMPONENT, labels } from '../labels';
import { cloudOnlyAffinity, kubectlContainer, podDefaults } from './pod';

/** Argo CD sync wave annotation. */
export function syncWave(wave: number): Record<string, string> {
  return { 'argocd.argoproj.io/sync-wave': String(wave) };
}

/** Annotations that make a Job an Argo CD sync hook (a plain Job under `kubectl apply`). */
function syncHookAnnotations(wave: number): Record<string, string> {
  return {
    'argocd.argoproj.io/hook': 'Sync',
    'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    ...syncWave(wave),
  };
}

/** Props of {@link SetupJob}. */
export interface SetupJobProps {
  /** Names, labels, namespace and the kubectl image of the platform instance. */
  readonly context: PlatformContext;
  /** Name of the Job, its ServiceAccount, Role and RoleBinding. */
  readonly name: string;
  /** Shell script run with kubectl on the PATH. */
  readonly script: string;
  /** Rules of its Role in the platform namespace; none: no Role (its rights are bound elsewhere, e.g. in another namespace). */
  readonly rules: k8s.PolicyRule[];
  /** Sync wave of the hook; its ServiceAccount and Role come one wave earlier. */
  readonly wave: number;
  /** Seconds a finished Job is kept (then `kubectl apply` runs it again). */
  readonly ttlSecondsAfterFinished: number;
  /**
   * Containers that run before the kubectl script (e.g. a database client).
   * @default none
   */
  readonly initContainers?: k8s.Container[];
  /**
   * Volumes of those containers.
   * @default none
   */
  readonly volumes?: k8s.Volume[];
  /**
   * The pod's `fsGroup`: the group of its volumes' files, and a supplementary
   * group of every container (e.g. so that a non-root client may read a
   * Secret's key that stays root's).
   * @default none
   */
  readonly fsGroup?: number;
  /**
   * Seconds after which the Job fails however far it got, so a hook that
   * cannot finish (an image that cannot be pulled, a service that never
   * comes up) fails the sync instead of blocking it forever.
   * @default 600
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * A cron schedule: run the script as a CronJob on this schedule instead of
   * as a sync hook (a reconciler that must also run between syncs).
   * @default undefined (a sync hook Job)
   */
  readonly schedule?: string;
  /**
   * Resources over the defaults (10m CPU / 32Mi requested, 200m / 128Mi limits).
   * @default the defaults
   */
  readonly resources?: Resources;
}

/** Retries of a failed set-up Job before it fails for good. */
const SETUP_JOB_BACKOFF_LIMIT = 3;

/** A set-up Job with its ServiceAccount, Role and RoleBinding. */
export class SetupJob extends Construct {
  /** The ServiceAccount the Job runs as (bind extra roles to it). */
  public readonly serviceAccountName: string;

  constructor(scope: Construct, id: string, props: SetupJobProps) {
    super(scope, id);
    const { context, name } = props;
    const lbl = labels(context, COMPONENT.setup);
    const before = syncWave(props.wave - 1);
    const meta = (annotations: Record<string, string>) => ({ name, namespace: context.namespace, labels: lbl, annotations });
    this.serviceAccountName = name;

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta(before), automountServiceAccountToken: false });
    if (props.rules.length > 0) {
      new k8s.KubeRole(this, 'Role', { metadata: meta(before), rules: props.rules });
      new k8s.KubeRoleBinding(this, 'RoleBinding', {
        metadata: meta(before),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace: context.namespace }],
      });
    }
    const run = kubectlContainer(context, 'run', ['sh', '-c', props.script], {
      requests: { cpu: '10m', memory: '32Mi' },
      limits: { cpu: '200m', memory: '128Mi' },
    }, props.resources);
    const pod = podDefaults(context);
    const spec: k8s.JobSpec = {
      backoffLimit: SETUP_JOB_BACKOFF_LIMIT,
      activeDeadlineSeconds: props.activeDeadlineSeconds ?? 600,
      ttlSecondsAfterFinished: props.ttlSecondsAfterFinished,
      template: {
        metadata: { labels: lbl },
        spec: {
          ...pod,
          ...(props.fsGroup === undefined ? {} : { securityContext: { ...pod.securityContext, fsGroup: props.fsGroup } }),
          serviceAccountName: name,
          automountServiceAccountToken: true,
          restartPolicy: 'OnFailure',
          affinity: cloudOnlyAffinity(),
          ...(props.initContainers ? { initContainers: props.initContainers } : {}),
          containers: [run.container],
          volumes: [...run.volumes, ...(props.volumes ?? [])],
        },
      },
    };
    if (props.schedule === undefined) {
      new k8s.KubeJob(this, 'Job', { metadata: meta(syncHookAnnotations(props.wave)), spec });
    } else {
      new k8s.KubeCronJob(this, 'CronJob', {
        metadata: meta(syncWave(props.wave)),
        spec: {
          schedule: props.schedule,
          concurrencyPolicy: 'Forbid',
          startingDeadlineSeconds: 300,
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 1,
          jobTemplate: { metadata: { labels: lbl }, spec },
        },
      });
    }
  }
}
