/**
 * The platform's Secrets, by reference only. A Secret the config names is
 * used as it is; every other one is generated inside the cluster on first
 * install by a Job, so no password is ever written to dist/.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { Config } from '../config/schema';
import { labels, resourceName } from '../labels';
import { cloudOnlyAffinity, kubectlContainer, podDefaults, SecretKeyRef } from './pod';

/** Annotations that make a Job an Argo CD sync hook (a plain Job under `kubectl apply`). */
export function syncHookAnnotations(wave: number): Record<string, string> {
  return {
    'argocd.argoproj.io/hook': 'Sync',
    'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    'argocd.argoproj.io/sync-wave': String(wave),
  };
}

/** Argo CD sync wave annotation, for what a hook needs to exist before it runs. */
export function syncWave(wave: number): Record<string, string> {
  return { 'argocd.argoproj.io/sync-wave': String(wave) };
}

/** A Secret to create when missing: its name and keys with generated values. */
interface GeneratedSecret {
  readonly name: string;
  /** key → literal value (fixed user names) or `undefined` for a random value. */
  readonly keys: Record<string, string | undefined>;
}

/** Database credentials by reference. */
export interface Credentials {
  /** User name key. */
  readonly username: SecretKeyRef;
  /** Password key. */
  readonly password: SecretKeyRef;
}

/** The Secrets of the platform: named in config or generated in the cluster. */
export class Secrets extends Construct {
  /** The route-registration token shared by the job scheduler and the proxy. */
  public readonly routeToken: SecretKeyRef;
  /** Credentials of the embedded PostgreSQL. */
  public readonly embeddedDatabase: Credentials;
  /** Access and secret key of the embedded S3 endpoint. */
  public readonly objectStorage: { readonly accessKey: SecretKeyRef; readonly secretKey: SecretKeyRef };

  constructor(scope: Construct, id: string, config: Config) {
    super(scope, id);
    const generated: GeneratedSecret[] = [];

    if (config.routeToken) {
      this.routeToken = config.routeToken;
    } else {
      const name = resourceName(config, 'route-token');
      generated.push({ name, keys: { token: undefined } });
      this.routeToken = { name, key: 'token' };
    }

    const dbSecret = config.database.embedded.credentials?.name ?? resourceName(config, 'database');
    this.embeddedDatabase = { username: { name: dbSecret, key: 'username' }, password: { name: dbSecret, key: 'password' } };
    if (config.database.type === 'embedded' && !config.database.embedded.credentials) {
      generated.push({ name: dbSecret, keys: { username: 'neursafe', password: undefined } });
    }

    const s3Secret = config.objectStorage.credentials?.name ?? resourceName(config, 'object-storage');
    this.objectStorage = { accessKey: { name: s3Secret, key: 'accessKey' }, secretKey: { name: s3Secret, key: 'secretKey' } };
    if (config.objectStorage.type === 'embedded' && !config.objectStorage.credentials) {
      generated.push({ name: s3Secret, keys: { accessKey: 'neursafe', secretKey: undefined } });
    }

    if (generated.length > 0) this.generator(config, generated);
  }

  /** A Job (and its least-privilege RBAC) that creates each missing Secret once. */
  private generator(config: Config, secrets: GeneratedSecret[]): void {
    const name = resourceName(config, 'generate-secrets');
    const meta = (annotations: Record<string, string>) => ({ name, namespace: config.namespace, labels: labels(config, 'setup'), annotations });

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta(syncWave(-2)), automountServiceAccountToken: false });
    new k8s.KubeRole(this, 'Role', {
      metadata: meta(syncWave(-2)),
      rules: [
        // `create` cannot be limited to names; reading is limited to exactly these Secrets.
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        { apiGroups: [''], resources: ['secrets'], resourceNames: secrets.map((s) => s.name), verbs: ['get'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: meta(syncWave(-2)),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: config.namespace }],
    });

    const random = 'head -c 48 /dev/urandom | base64 | tr -dc A-Za-z0-9 | head -c 32';
    const script = [
      'set -eu',
      ...secrets.map((s) => {
        const literals = Object.entries(s.keys)
          .map(([key, value]) => `--from-literal=${key}=${value ?? `"$(${random})"`}`)
          .join(' ');
        return (
          `if kubectl -n ${config.namespace} get secret ${s.name} >/dev/null 2>&1; then echo "secret ${s.name} exists"; ` +
          `else kubectl -n ${config.namespace} create secret generic ${s.name} ${literals} && echo "secret ${s.name} created"; fi`
        );
      }),
    ].join('\n');

    const generate = kubectlContainer(config, 'generate', ['sh', '-c', script], {
      requests: { cpu: '10m', memory: '32Mi' },
      limits: { cpu: '200m', memory: '128Mi' },
    });
    new k8s.KubeJob(this, 'Job', {
      metadata: meta(syncHookAnnotations(-1)),
      spec: {
        backoffLimit: 4,
        ttlSecondsAfterFinished: 3600,
        template: {
          metadata: { labels: labels(config, 'setup') },
          spec: {
            ...podDefaults(config),
            serviceAccountName: name,
            automountServiceAccountToken: true,
            restartPolicy: 'OnFailure',
            affinity: cloudOnlyAffinity(),
            containers: [generate.container],
            volumes: [generate.volume],
          },
        },
      },
    });
  }
}
