/**
 * The database of jobs, models and tasks: an embedded PostgreSQL
 * (StatefulSet, volume, Service) or an external PostgreSQL or MongoDB by
 * address and Secret reference; and the set-up Job that, on every sync,
 * creates the tables (idempotently) and, for the embedded PostgreSQL, one
 * login role per program limited to its own table.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { Resources } from '../config/schema';
import { DATABASE_USERS } from '../resolve/database-users';
import type { DatabaseUser } from '../resolve/database-users';
import { COMPONENT, labels, resourceName, selectorLabels } from '../labels';
import { renderMongoSetup, renderMongoSetupScript, renderPostgresSetup, renderPostgresSetupScript, roleVariables } from '../render/database-setup';
import { renderTlsCopyScript, renderTlsReloadScript } from '../render/database-tls';
import type { DatabaseTlsScriptInput } from '../render/database-tls';
import { renderPgHba } from '../render/pg-hba';
import type { PlatformContext } from '../resolve/context';
import { cloudOnlyAffinity, emptyDirVolume, env, imageOf, podDefaults, podVolumes, resources, secretEnv, securityContext } from '../blocks/pod';
import type { MountedVolume, UnmountedVolume } from '../blocks/pod';
import { databaseClaimName, INITIALIZED_ANNOTATION, secretsComponent } from './secrets';
import { defineComponent } from '../blocks/define';
import { OUTPUT_FILES } from '../file-chart';
import type { DatabaseEndpoint } from '../network/flows';
import { Credentials, DatabaseConnection, waitAddressOf } from '../blocks/database-client';
import { SetupJob, syncWave } from '../blocks/setup-job';
import { certificateOf, ProgramTls } from '../blocks/certificates';
import { DATABASE_CLIENT_DIR, databaseCaFolder, postgresTlsEnv, sslFolder, TLS_CHECK_SECONDS } from '../blocks/tls';

/** The name of the embedded PostgreSQL's pg_hba.conf in its ConfigMap. */
const PG_HBA_FILE = 'pg_hba.conf';

/** The embedded PostgreSQL's data folder, on its data volume. */
const DATA_DIR = '/var/lib/postgresql/data';

/** HOME of the set-up Job's database client (scratch space). */
const SETUP_HOME = '/home/setup';

/** Sync wave of the database and its set-up: after the Secrets exist, before the programs start. */
const DATABASE_WAVE = -1;

/** The embedded PostgreSQL. */
export interface EmbeddedDatabaseProps {
  /** Size of the data volume (a quantity such as `10Gi`). */
  readonly storageSize: string | number;
  /**
   * StorageClass of the data volume.
   * @default the cluster default
   */
  readonly storageClassName?: string;
  /**
   * Resources of PostgreSQL.
   * @default 100m/256Mi requested, 1/1Gi limit
   */
  readonly resources?: Resources;
  /** The superuser: the database and its set-up step only. */
  readonly superuser: Credentials;
  /** Each program's own login role, limited to its table. */
  readonly users: Readonly<Record<DatabaseUser, Credentials>>;
  /**
   * Serve TLS with the certificate in this Secret (`tls.crt`, `tls.key`,
   * `ca.crt`) and demand it from every other host, unless `allowPlaintext`.
   * @default none: plaintext only
   */
  readonly tls?: DatabaseTls;
}

/** The embedded database's TLS. */
export interface DatabaseTls extends ProgramTls {
  /** Also accept unencrypted connections from other hosts (except for the roles that log in with a certificate). */
  readonly allowPlaintext: boolean;
  /**
   * Host names or addresses edge nodes reach it at, for its certificate.
   * @default none
   */
  readonly externalHosts?: readonly string[];
  /**
   * Secrets of the database client certificates of the certificate roles
   * that have no program certificate, issued here with `issuance` (common
   * name the role's name, client authentication only) or brought by the user.
   * @default none
   */
  readonly clientSecrets?: Readonly<Partial<Record<DatabaseUser, string>>>;
  /**
   * Secret of the set-up Job's client certificate (issued here with
   * `issuance`, or brought by the user): it logs in as the superuser from
   * another host, which needs a certificate of the platform's CA
   * (`clientcert=verify-ca`) unless `allowPlaintext`.
   */
  readonly setupSecret: string;
}

/** An external database, by address and Secret reference. */
export interface ExternalDatabaseProps {
  /** PostgreSQL or MongoDB (`DB_TYPE`). */
  readonly type: 'postgreSQL' | 'mongo';
  /** postgreSQL: host:port; mongo: host:port or a mongodb:// URI. */
  readonly address: string;
  /** The Secret with the user (shared by every program) and its password. */
  readonly credentials: {
    /** Secret name in the platform namespace. */
    readonly name: string;
    /** Key of the user name. */
    readonly usernameKey: string;
    /** Key of the password. */
    readonly passwordKey: string;
  };
}

/** How the embedded database is exposed to edge nodes without cluster networking. */
export type DatabaseEdgeExposure =
  /** A NodePort on every cloud node. */
  | { readonly type: 'NodePort'; readonly nodePort: number }
  /** A cloud load balancer admitting only these source ranges (CIDRs). */
  | { readonly type: 'LoadBalancer'; readonly sourceRanges: readonly string[]; readonly annotations: Readonly<Record<string, string>> };

/** Props of {@link Database}: exactly one of `embedded` and `external`. */
export interface DatabaseProps {
  /** Names, labels, namespace and images of the platform instance. */
  readonly context: PlatformContext;
  /** Database name (`DB_NAME`). */
  readonly databaseName: string;
  /** PostgreSQL image: the embedded server and the set-up client. */
  readonly postgresImage: string;
  /** MongoDB shell image: the set-up client of an external MongoDB. */
  readonly mongoImage: string;
  /**
   * Deploy PostgreSQL here.
   * @default none: `external` is used
   */
  readonly embedded?: EmbeddedDatabaseProps;
  /**
   * Use a database run elsewhere.
   * @default none: `embedded` is used
   */
  readonly external?: ExternalDatabaseProps;
}

/** What serving TLS adds to the PostgreSQL pod ({@link Database}'s `tlsServer`). */
interface TlsServer {
  /** Copies the certificate files before PostgreSQL starts. */
  readonly initContainer: k8s.Container;
  /** Copies a renewed certificate and has PostgreSQL reload it and pg_hba.conf. */
  readonly sidecar: k8s.Container;
  /** PostgreSQL's arguments that turn TLS on with those files and pg_hba.conf. */
  readonly args: string[];
  /** The pod's volumes, with PostgreSQL's mounts of those it reads. */
  readonly volumes: (MountedVolume | UnmountedVolume)[];
}

/** The platform's database (embedded or external). */
export class Database extends Construct {
  /** PostgreSQL's port in the embedded database. */
  public static readonly PORT = 5432;
  /** How programs reach it. */
  public readonly connection: DatabaseConnection;
  /** The embedded database's Service name, when embedded. */
  public readonly serviceName?: string;
  private readonly props: DatabaseProps;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    if ((props.embedded === undefined) === (props.external === undefined)) {
      throw new Error(`${this.node.path}: set exactly one of props.embedded and props.external`);
    }
    this.props = props;
    const { context } = props;
    const db = props.embedded;
    if (db === undefined) {
      const ext = props.external!;
      const shared: Credentials = {
        username: { name: ext.credentials.name, key: ext.credentials.usernameKey },
        password: { name: ext.credentials.name, key: ext.credentials.passwordKey },
      };
      const credentials = Object.fromEntries(Object.keys(DATABASE_USERS).map((u) => [u, shared])) as Record<DatabaseUser, Credentials>;
      this.connection = { type: ext.type, address: ext.address, name: props.databaseName, credentials, waitAddress: waitAddressOf(ext.address) };
      this.setupJob(shared);
      return;
    }

    const name = resourceName(context, 'database');
    this.serviceName = name;
    const address = `${name}.${context.namespace}.svc:${Database.PORT}`;
    this.connection = {
      type: 'postgreSQL',
      address,
      name: props.databaseName,
      credentials: db.users,
      waitAddress: address,
      ...(db.tls ? { tls: { caSecret: db.tls.secretName, ...(db.tls.clientSecrets ? { clientSecrets: db.tls.clientSecrets } : {}) } } : {}),
    };
    const tls = db.tls && this.tlsServer(db.tls, db.superuser);
    if (db.tls) this.certificates(name, db.tls);
    this.server(name, db, tls);
    this.setupJob(db.superuser, { claim: databaseClaimName(context), users: db.users, ...(db.tls ? { clientSecret: db.tls.setupSecret } : {}) });
  }

  /**
   * The embedded database's certificates: its server certificate, for its
   * Service's names and the hosts edge nodes reach it at, and the client
   * certificates of the roles that have no program certificate and of the
   * set-up Job.
   */
  private certificates(name: string, tls: DatabaseTls): void {
    const { context } = this.props;
    const short = [name, `${name}.${context.namespace}`, `${name}.${context.namespace}.svc`, `${name}.${context.namespace}.svc.cluster.local`];
    // No restart after a renewal: the tls-reload sidecar reloads it in place (a restart would cut every program's connection).
    certificateOf(this, context, tls, { component: COMPONENT.database, hosts: [...short, ...(tls.externalHosts ?? [])] });
    // Client certificates, read by libpq at each connection: a renewal needs no restart either.
    const { issuance } = tls;
    const clientCertificate = (id: string, secretName: string, commonName: string) =>
      certificateOf(new Construct(this, `Client-${id}`), context, { secretName, issuance }, { component: COMPONENT.database, hosts: [], commonName, clientOnly: true });
    for (const [user, secretName] of Object.entries(tls.clientSecrets ?? {}) as [DatabaseUser, string][]) clientCertificate(user, secretName, DATABASE_USERS[user].role);
    // Any subject of the platform's CA logs the superuser in (its name comes from a Secret): a descriptive one, no role's.
    clientCertificate('setup', tls.setupSecret, resourceName(context, 'database-setup'));
  }

  /** The embedded PostgreSQL: its headless Service and its StatefulSet, with the data volume's claim and, with TLS, what serving it adds. */
  private server(name: string, db: EmbeddedDatabaseProps, tls: TlsServer | undefined): void {
    const { context } = this.props;
    const meta = { name, namespace: context.namespace, labels: labels(context, COMPONENT.database), annotations: syncWave(DATABASE_WAVE) };

    new k8s.KubeService(this, 'Service', {
      metadata: meta,
      spec: {
        clusterIp: 'None',
        selector: selectorLabels(context, COMPONENT.database),
        ports: [{ name: 'postgres', port: Database.PORT, targetPort: k8s.IntOrString.fromNumber(Database.PORT) }],
      },
    });

    const tlsFiles = tls && podVolumes(tls.volumes);
    new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: meta,
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: selectorLabels(context, COMPONENT.database) },
        // The data volume outlives the StatefulSet (Retain is the default; said here on purpose).
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: {
          metadata: { labels: labels(context, COMPONENT.database) },
          spec: {
            ...podDefaults(context),
            securityContext: { runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            automountServiceAccountToken: false,
            affinity: cloudOnlyAffinity(),
            ...(tls ? { initContainers: [tls.initContainer] } : {}),
            containers: [
              this.postgresContainer(db, tls?.args, [{ name: 'data', mountPath: DATA_DIR }, ...(tlsFiles ? tlsFiles.volumeMounts : [])]),
              ...(tls ? [tls.sidecar] : []),
            ],
            ...(tlsFiles ? { volumes: tlsFiles.volumes } : {}),
          },
        },
        volumeClaimTemplates: [
          {
            // Immutable: only labels that never change (no version).
            metadata: { name: 'data', labels: selectorLabels(context, COMPONENT.database) },
            spec: {
              accessModes: ['ReadWriteOnce'],
              ...(db.storageClassName ? { storageClassName: db.storageClassName } : {}),
              resources: { requests: { storage: k8s.Quantity.fromString(String(db.storageSize)) } },
            },
          },
        ],
      },
    });
  }

  /** The PostgreSQL container: its database, superuser and data folder, readiness by `pg_isready`, and `args` (TLS). */
  private postgresContainer(db: EmbeddedDatabaseProps, args: string[] | undefined, volumeMounts: k8s.VolumeMount[]): k8s.Container {
    const { context } = this.props;
    const ready = ['sh', '-c', 'pg_isready -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"'];
    return {
      name: 'postgres',
      ...imageOf(context, this.props.postgresImage),
      ...(args ? { args } : {}),
      ports: [{ name: 'postgres', containerPort: Database.PORT }],
      env: [
        ...env({ POSTGRES_DB: this.props.databaseName, PGDATA: `${DATA_DIR}/pgdata` }),
        secretEnv('POSTGRES_USER', db.superuser.username),
        secretEnv('POSTGRES_PASSWORD', db.superuser.password),
      ],
      readinessProbe: { exec: { command: ready }, initialDelaySeconds: 5, periodSeconds: 10 },
      livenessProbe: { exec: { command: ready }, initialDelaySeconds: 30, periodSeconds: 20, failureThreshold: 6 },
      resources: resources(db.resources, {
        requests: { cpu: '100m', memory: '256Mi' },
        limits: { cpu: '1', memory: '1Gi' },
      }),
      securityContext: securityContext({ user: 999 }),
      volumeMounts,
    };
  }

  /**
   * What serving TLS adds to the PostgreSQL pod: pg_hba.conf (TLS for every
   * other host, and a certificate of the CA, `ssl_ca_file`, named after the
   * role for the roles that need one); an init container that copies the certificate, the CA and
   * the key into a memory folder, the key owned by PostgreSQL's user with
   * mode 0600 as PostgreSQL demands of a key file its user owns (a Secret
   * volume's files belong to root); and a sidecar that copies a renewed
   * certificate the same way, and has PostgreSQL reload it and a changed
   * pg_hba.conf
   * (`pg_reload_conf()`): neither restarts the database nor cuts the
   * programs' connections, which they never reopen.
   */
  private tlsServer(tls: DatabaseTls, superuser: Credentials): TlsServer {
    const { context } = this.props;
    const name = resourceName(context, 'database-hba');
    const certificateRoles = Object.values(DATABASE_USERS).filter((spec) => spec.certificate).map((spec) => spec.role);
    new k8s.KubeConfigMap(this, 'Hba', {
      metadata: { name, namespace: context.namespace, labels: labels(context, COMPONENT.database), annotations: syncWave(DATABASE_WAVE) },
      data: { [PG_HBA_FILE]: renderPgHba({ allowPlaintext: tls.allowPlaintext, certificateRoles }) },
    });
    const scripts: DatabaseTlsScriptInput = {
      secretDir: '/etc/neursafe-fl/tls-secret',
      tlsDir: '/etc/neursafe-fl/tls',
      hbaDir: '/etc/neursafe-fl/postgres',
      hbaFile: PG_HBA_FILE,
      checkSeconds: TLS_CHECK_SECONDS,
    };
    const { tlsDir, hbaDir } = scripts;
    // Readable by the pod's group (fsGroup 999), so the copies, running as PostgreSQL's user, can read it.
    const secret: MountedVolume = {
      volume: { name: 'tls-secret', secret: { secretName: tls.secretName, defaultMode: 0o440 } },
      mount: { name: 'tls-secret', mountPath: scripts.secretDir },
    };
    const copies: MountedVolume = { volume: { name: 'tls', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } }, mount: { name: 'tls', mountPath: tlsDir } };
    const hba: MountedVolume = { volume: { name: 'hba', configMap: { name } }, mount: { name: 'hba', mountPath: hbaDir } };
    const small = resources(undefined, { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } });
    const container = (containerName: string, script: string, extraEnv: k8s.EnvVar[]): k8s.Container => ({
      name: containerName,
      ...imageOf(context, this.props.postgresImage),
      command: ['sh', '-c', script],
      ...(extraEnv.length > 0 ? { env: extraEnv } : {}),
      resources: small,
      securityContext: securityContext({ user: 999, readOnlyRoot: true }),
      volumeMounts: [secret.mount, copies.mount, hba.mount],
    });
    return {
      initContainer: container('tls-files', renderTlsCopyScript(scripts), []),
      sidecar: container('tls-reload', renderTlsReloadScript(scripts), [
        ...env({ POSTGRES_DB: this.props.databaseName }),
        secretEnv('PGUSER', superuser.username),
        secretEnv('PGPASSWORD', superuser.password),
      ]),
      args: ['-c', 'ssl=on', '-c', `ssl_cert_file=${tlsDir}/server.crt`, '-c', `ssl_key_file=${tlsDir}/server.key`, '-c', `ssl_ca_file=${tlsDir}/ca.crt`, '-c', `hba_file=${hbaDir}/${PG_HBA_FILE}`],
      // PostgreSQL reads the copies, not the Secret.
      volumes: [{ volume: secret.volume }, { volume: copies.volume, mount: { ...copies.mount, readOnly: true } }, hba],
    };
  }

  /**
   * The set-up Job, a sync hook in the database's wave: waits for the
   * database, creates the tables and (embedded) the programs' roles, then
   * marks the data volume as initialised so that a lost superuser Secret is
   * never replaced by a new password.
   * @param admin credentials allowed to create tables (and roles)
   * @param embedded the data volume's claim and the programs' credentials, for the embedded database, and
   *   with TLS the Secret of the Job's client certificate: its psql runs as PostgreSQL's user (999), not root,
   *   so the pod's fsGroup 999 makes the key root's with mode 0440 and readable by that group (libpq accepts a
   *   root-owned key up to 0640), rather than running psql as root
   */
  private setupJob(admin: Credentials, embedded?: { readonly claim: string; readonly users: EmbeddedDatabaseProps['users']; readonly clientSecret?: string }): void {
    const { context } = this.props;
    const db = this.connection;
    const name = resourceName(context, 'database-setup');
    const mongo = db.type === 'mongo';
    const file = mongo ? 'setup.js' : 'setup.sql';
    const text = mongo ? renderMongoSetup(db.name) : renderPostgresSetup(embedded !== undefined);
    new k8s.KubeConfigMap(this, 'SetupScript', {
      metadata: { name, namespace: context.namespace, labels: labels(context, COMPONENT.setup), annotations: syncWave(DATABASE_WAVE - 1) },
      data: { [file]: text },
    });
    const scriptDir = '/setup';
    const roles = embedded ? (Object.keys(DATABASE_USERS) as DatabaseUser[]) : [];
    const login = [secretEnv('DB_USERNAME', admin.username), secretEnv('DB_PASSWORD', admin.password)];
    const roleEnv = roles.flatMap((user) => {
      const v = roleVariables(user);
      const c = embedded!.users[user];
      return [secretEnv(v.user.toUpperCase(), c.username), secretEnv(v.password.toUpperCase(), c.password)];
    });
    const script = mongo
      ? renderMongoSetupScript(db.address, db.name, `${scriptDir}/${file}`)
      : renderPostgresSetupScript(db.address, db.name, `${scriptDir}/${file}`, roles);
    const clientSecret = embedded?.clientSecret;
    const files = podVolumes([
      { volume: { name: 'setup-script', configMap: { name } }, mount: { name: 'setup-script', mountPath: scriptDir } },
      emptyDirVolume('setup-home', SETUP_HOME),
      ...(db.tls ? [databaseCaFolder(db.tls.caSecret)] : []),
      ...(clientSecret === undefined ? [] : [sslFolder(clientSecret, DATABASE_CLIENT_DIR, 0o440)]),
    ]);
    const client: k8s.Container = {
      name: 'tables',
      ...imageOf(context, mongo ? this.props.mongoImage : this.props.postgresImage),
      command: ['sh', '-c', script],
      env: [...login, ...roleEnv, ...env({ HOME: SETUP_HOME }), ...(db.tls ? postgresTlsEnv(undefined, clientSecret === undefined ? undefined : DATABASE_CLIENT_DIR) : [])],
      resources: resources(undefined, { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '500m', memory: '256Mi' } }),
      securityContext: securityContext({ user: 999, readOnlyRoot: true }),
      volumeMounts: files.volumeMounts,
    };
    const annotation = INITIALIZED_ANNOTATION;
    new SetupJob(this, 'Setup', {
      context,
      name,
      wave: DATABASE_WAVE,
      ttlSecondsAfterFinished: 3600,
      initContainers: [client],
      volumes: files.volumes,
      // The client certificate's files are root's and readable by this group only: psql's (user 999).
      ...(clientSecret === undefined ? {} : { fsGroup: 999 }),
      script: embedded
        ? `set -eu\nkubectl -n ${context.namespace} annotate pvc ${embedded.claim} ${annotation}=true --overwrite`
        : 'echo "database tables are ready"',
      rules: embedded ? [{ apiGroups: [''], resources: ['persistentvolumeclaims'], resourceNames: [embedded.claim], verbs: ['get', 'patch'] }] : [],
    });
  }

  /**
   * Exposes the embedded database to edge task managers that have no cluster
   * networking: on a NodePort of every cloud node (which no source rule can
   * restrict: kube-proxy rewrites the source), or through a cloud load
   * balancer that admits only `sourceRanges`.
   */
  public exposeForEdge(expose: DatabaseEdgeExposure): void {
    const { context } = this.props;
    const lb = expose.type === 'LoadBalancer' ? expose : undefined;
    new k8s.KubeService(this, 'EdgeService', {
      metadata: {
        name: `${this.serviceName}-edge`,
        namespace: context.namespace,
        labels: labels(context, COMPONENT.database),
        annotations: { ...syncWave(DATABASE_WAVE), ...(lb?.annotations ?? {}) },
      },
      spec: {
        type: expose.type,
        selector: selectorLabels(context, COMPONENT.database),
        ports: [{ name: 'postgres', port: Database.PORT, targetPort: k8s.IntOrString.fromNumber(Database.PORT), ...(expose.type === 'NodePort' ? { nodePort: expose.nodePort } : {}) }],
        // Local keeps the clients' addresses, so the database's NetworkPolicy can admit only sourceRanges too.
        ...(lb ? { loadBalancerSourceRanges: [...lb.sourceRanges], externalTrafficPolicy: 'Local' } : {}),
      },
    });
  }
}

/** The database (embedded or external) and its set-up Job, in 10-database.k8s.yaml. */
export const databaseComponent = defineComponent({
  name: COMPONENT.database,
  file: OUTPUT_FILES.database,
  build: (scope, { model, built }) => {
    const { context, tls, database: db } = model;
    const secrets = built(secretsComponent);
    return new Database(scope, 'Database', {
      context,
      databaseName: db.name,
      postgresImage: model.images.postgres,
      mongoImage: model.images.mongo,
      ...(db.type === 'embedded'
        ? {
            embedded: {
              ...db.embedded,
              superuser: secrets.databaseSuperuser,
              users: secrets.databaseUsers,
              tls: tls && {
                secretName: tls.databaseSecret,
                issuance: tls.issuance,
                allowPlaintext: tls.plaintextDatabase,
                // The task managers present their program certificates; these roles get one for the database alone.
                clientSecrets: { jobScheduler: tls.databaseClientSecrets.jobScheduler, modelManager: tls.databaseClientSecrets.modelManager },
                setupSecret: tls.databaseClientSecrets.setup,
                // Edge nodes that reach it at an IP address verify it by the name tls.databaseHost (see the model's edge.database).
                externalHosts: model.databaseEdgeHosts,
              },
            },
          }
        : // Presence is guaranteed by the config rules.
          { external: { ...db.external!, type: db.type } }),
    });
  },
});

/** The database as the flows see it: the embedded one's port, and the cloud programs' address. */
export function databaseEndpoint(database: Database): DatabaseEndpoint {
  return { port: database.serviceName === undefined ? undefined : Database.PORT, address: database.connection.address };
}
