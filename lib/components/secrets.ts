/**
 * The platform's Secrets, by reference only. A Secret the config names is
 * used as it is; every other one is generated inside the cluster on first
 * install by a Job, so no password is ever written to dist/.
 */
import { Construct } from 'constructs';
import { Config } from '../config/schema';
import { resourceName } from '../labels';
import { SecretKeyRef } from './pod';
import { SetupJob } from './setup-job';

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
    new SetupJob(this, 'Generator', {
      config,
      name: resourceName(config, 'generate-secrets'),
      script,
      wave: -1,
      ttlSecondsAfterFinished: 3600,
      rules: [
        // `create` cannot be limited to names; reading is limited to exactly these Secrets.
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        { apiGroups: [''], resources: ['secrets'], resourceNames: secrets.map((s) => s.name), verbs: ['get'] },
      ],
    });
  }
}
