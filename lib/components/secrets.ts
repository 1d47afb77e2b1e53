/**
 * The platform's Secrets, by reference only. A Secret the config names is
 * used as it is; every other one is generated inside the cluster on first
 * install by a Job, so no password is ever written to dist/.
 */
import { Construct } from 'constructs';
import { DATABASE_USERS } from '../resolve/database-users';
import type { DatabaseUser } from '../resolve/database-users';
import { resourceName } from '../labels';
import type { PlatformContext } from '../resolve/context';
import { SecretKeyRef } from '../blocks/pod';
import { Credentials } from '../blocks/database-client';
import { SetupJob } from '../blocks/setup-job';
import { defineComponent } from '../blocks/define';
import { renderSecretGeneratorScript } from '../render/secret-generator';
import type { GeneratedSecret } from '../render/secret-generator';

/** Annotation the database set-up puts on the data volume's claim once the database was initialised with its superuser Secret. */
export const INITIALIZED_ANNOTATION = 'fl.neursafe.io/initialized';

/** Name of the embedded database's data volume claim (from the StatefulSet's volumeClaimTemplates). */
export function databaseClaimName(context: Pick<PlatformContext, 'name'>): string {
  return `data-${resourceName(context, 'database')}-0`;
}

/** Props of {@link Secrets}. */
export interface SecretsProps {
  /** Names, labels, namespace and the kubectl image of the platform instance. */
  readonly context: PlatformContext;
  /**
   * The route-registration token shared by the job scheduler and the proxy.
   * @default key `token` of `<name>-route-token`, generated
   */
  readonly routeToken?: SecretKeyRef;
  /** The database: whether it is the embedded PostgreSQL, and its superuser Secret. */
  readonly database: {
    /** The embedded PostgreSQL: its Secrets are generated when missing. */
    readonly embedded: boolean;
    /**
     * Existing Secret of the superuser (keys `username` and `password`).
     * @default `<name>-database`, generated
     */
    readonly superuserSecret?: string;
  };
  /** The S3 endpoint: whether it is the embedded one, and its credentials Secret. */
  readonly objectStorage: {
    /** The embedded endpoint: its Secret is generated when missing. */
    readonly embedded: boolean;
    /**
     * Existing Secret with keys `accessKey` and `secretKey`.
     * @default `<name>-object-storage`, generated
     */
    readonly secret?: string;
  };
}

/** The Secrets of the platform: named in config or generated in the cluster. */
export class Secrets extends Construct {
  /** The route-registration token shared by the job scheduler and the proxy. */
  public readonly routeToken: SecretKeyRef;
  /** The embedded PostgreSQL's superuser: used by the database and its set-up step only. */
  public readonly databaseSuperuser: Credentials;
  /** Each program's own login role in the embedded PostgreSQL. */
  public readonly databaseUsers: Readonly<Record<DatabaseUser, Credentials>>;
  /** Access and secret key of the embedded S3 endpoint. */
  public readonly objectStorage: { readonly accessKey: SecretKeyRef; readonly secretKey: SecretKeyRef };

  constructor(scope: Construct, id: string, props: SecretsProps) {
    super(scope, id);
    const { context } = props;
    const generated: GeneratedSecret[] = [];
    const credentials = (name: string): Credentials => ({ username: { name, key: 'username' }, password: { name, key: 'password' } });

    if (props.routeToken) {
      this.routeToken = props.routeToken;
    } else {
      const name = resourceName(context, 'route-token');
      generated.push({ name, keys: { token: undefined } });
      this.routeToken = { name, key: 'token' };
    }

    const embedded = props.database.embedded;
    const dbSecret = props.database.superuserSecret ?? resourceName(context, 'database');
    this.databaseSuperuser = credentials(dbSecret);
    if (embedded && props.database.superuserSecret === undefined) {
      generated.push({ name: dbSecret, keys: { username: 'neursafe', password: undefined }, guardedBy: databaseClaimName(context) });
    }
    const users = {} as Record<DatabaseUser, Credentials>;
    for (const [user, spec] of Object.entries(DATABASE_USERS) as [DatabaseUser, (typeof DATABASE_USERS)[DatabaseUser]][]) {
      const name = resourceName(context, spec.secret);
      users[user] = credentials(name);
      // A lost role password is harmless: the set-up step sets every role's password from its Secret on each sync.
      if (embedded) generated.push({ name, keys: { username: spec.role, password: undefined } });
    }
    this.databaseUsers = users;

    const s3Secret = props.objectStorage.secret ?? resourceName(context, 'object-storage');
    this.objectStorage = { accessKey: { name: s3Secret, key: 'accessKey' }, secretKey: { name: s3Secret, key: 'secretKey' } };
    if (props.objectStorage.embedded && props.objectStorage.secret === undefined) {
      generated.push({ name: s3Secret, keys: { accessKey: 'neursafe', secretKey: undefined } });
    }

    if (generated.length > 0) this.generator(context, generated);
  }

  /** A Job (and its least-privilege RBAC) that creates each missing Secret once. */
  private generator(context: PlatformContext, secrets: GeneratedSecret[]): void {
    const script = renderSecretGeneratorScript({ namespace: context.namespace, secrets, initializedAnnotation: INITIALIZED_ANNOTATION });
    const guarded = secrets.flatMap((s) => (s.guardedBy ? [s.guardedBy] : []));
    new SetupJob(this, 'Generator', {
      context,
      name: resourceName(context, 'generate-secrets'),
      script,
      wave: -1,
      ttlSecondsAfterFinished: 3600,
      rules: [
        // `create` cannot be limited to names; reading is limited to exactly these Secrets.
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        { apiGroups: [''], resources: ['secrets'], resourceNames: secrets.map((s) => s.name), verbs: ['get'] },
        ...(guarded.length > 0 ? [{ apiGroups: [''], resources: ['persistentvolumeclaims'], resourceNames: guarded, verbs: ['get'] }] : []),
      ],
    });
  }
}

/** The platform's Secrets: the ones the config names, and a Job generating the others. */
export const secretsComponent = defineComponent({
  name: 'secrets',
  build: (scope, { model }) =>
    new Secrets(scope, 'Secrets', {
      context: model.context,
      routeToken: model.routeToken,
      database: { embedded: model.database.type === 'embedded', superuserSecret: model.database.embedded.credentials?.name },
      objectStorage: { embedded: model.objectStorage.type === 'embedded', secret: model.objectStorage.credentials?.name },
    }),
});
