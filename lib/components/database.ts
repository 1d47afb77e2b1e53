/**
 * The database of jobs, models and tasks: an embedded PostgreSQL
 * (StatefulSet, volume, Service, tables created on first start) or an
 * external PostgreSQL or MongoDB by address and Secret reference.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { HOST_PORT } from '../config/schema';
import { Config } from '../config/schema';
import { labels, resourceName, selectorLabels } from '../labels';
import { CHECKSUM_ANNOTATION, checksum, cloudOnlyAffinity, env, podDefaults, resources, secretEnv, securityContext } from './pod';
import { Credentials } from './secrets';

/** The three tables, one per program. */
export type Collection = 'jobs' | 'models' | 'tasks';

/** How programs reach the database. */
export interface DatabaseConnection {
  /** `DB_TYPE`, exactly as the programs compare it. */
  readonly type: 'postgreSQL' | 'mongo';
  /** `DB_ADDRESS`. */
  readonly address: string;
  /** `DB_NAME`. */
  readonly name: string;
  /** `DB_USERNAME` and `DB_PASSWORD`, by reference. */
  readonly credentials: Credentials;
  /** host:port to wait for before a program starts; undefined when it cannot be told (e.g. mongodb+srv). */
  readonly waitAddress?: string;
}

/** Environment variables of a program that uses one collection of the database. */
export function databaseEnv(db: DatabaseConnection, collection: Collection): k8s.EnvVar[] {
  return [
    ...env({ DB_TYPE: db.type, DB_ADDRESS: db.address, DB_NAME: db.name, DB_COLLECTION_NAME: collection }),
    secretEnv('DB_USERNAME', db.credentials.username),
    secretEnv('DB_PASSWORD', db.credentials.password),
  ];
}

/** The SQL run once when the embedded database is first initialised. */
export function renderInitSql(): string {
  return [
    '-- Tables of the Neursafe FL programs: (id serial primary key, data jsonb).',
    'CREATE TABLE IF NOT EXISTS jobs (id serial PRIMARY KEY, data jsonb);',
    'CREATE TABLE IF NOT EXISTS models (id serial PRIMARY KEY, data jsonb);',
    "CREATE UNIQUE INDEX IF NOT EXISTS models_data_id ON models ((data->>'id'));",
    'CREATE TABLE IF NOT EXISTS tasks (id serial PRIMARY KEY, data jsonb);',
    '',
  ].join('\n');
}

/** The first host:port of a MongoDB URI, or the address itself when it is host:port. */
export function waitAddressOf(address: string): string | undefined {
  if (HOST_PORT.test(address)) return address;
  const m = /^mongodb:\/\/(?:[^@/]*@)?([^,/?]+)/.exec(address);
  if (!m) return undefined;
  return m[1].includes(':') ? m[1] : `${m[1]}:27017`;
}

/** The platform's database (embedded or external). */
export class Database extends Construct {
  /** PostgreSQL's port in the embedded database. */
  public static readonly PORT = 5432;
  /** How programs reach it. */
  public readonly connection: DatabaseConnection;
  /** The embedded database's Service name, when embedded. */
  public readonly serviceName?: string;
  private readonly config: Config;

  constructor(scope: Construct, id: string, config: Config, embeddedCredentials: Credentials) {
    super(scope, id);
    this.config = config;
    const db = config.database;
    if (db.type !== 'embedded') {
      // Presence is guaranteed by the config rules.
      const ext = db.external!;
      this.connection = {
        type: db.type,
        address: ext.address,
        name: db.name,
        credentials: {
          username: { name: ext.credentials.name, key: ext.credentials.usernameKey },
          password: { name: ext.credentials.name, key: ext.credentials.passwordKey },
        },
        waitAddress: waitAddressOf(ext.address),
      };
      return;
    }

    const name = resourceName(config, 'database');
    this.serviceName = name;
    const address = `${name}.${config.namespace}.svc:${Database.PORT}`;
    this.connection = { type: 'postgreSQL', address, name: db.name, credentials: embeddedCredentials, waitAddress: address };

    const meta = { name, namespace: config.namespace, labels: labels(config, 'database') };
    const initSql = renderInitSql();
    new k8s.KubeConfigMap(this, 'InitScripts', {
      metadata: { ...meta, name: `${name}-init` },
      data: { '01-tables.sql': initSql },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: meta,
      spec: {
        clusterIp: 'None',
        selector: selectorLabels(config, 'database'),
        ports: [{ name: 'postgres', port: Database.PORT, targetPort: k8s.IntOrString.fromNumber(Database.PORT) }],
      },
    });

    const dataMount = '/var/lib/postgresql/data';
    new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: meta,
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: selectorLabels(config, 'database') },
        template: {
          metadata: { labels: labels(config, 'database'), annotations: { [CHECKSUM_ANNOTATION]: checksum(initSql) } },
          spec: {
            ...podDefaults(config),
            securityContext: { runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            automountServiceAccountToken: false,
            affinity: cloudOnlyAffinity(),
            containers: [
              {
                name: 'postgres',
                image: config.images.postgres,
                imagePullPolicy: config.images.pullPolicy,
                ports: [{ name: 'postgres', containerPort: Database.PORT }],
                env: [
                  ...env({ POSTGRES_DB: db.name, PGDATA: `${dataMount}/pgdata` }),
                  secretEnv('POSTGRES_USER', embeddedCredentials.username),
                  secretEnv('POSTGRES_PASSWORD', embeddedCredentials.password),
                ],
                readinessProbe: {
                  exec: { command: ['sh', '-c', 'pg_isready -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"'] },
                  initialDelaySeconds: 5,
                  periodSeconds: 10,
                },
                livenessProbe: {
                  exec: { command: ['sh', '-c', 'pg_isready -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"'] },
                  initialDelaySeconds: 30,
                  periodSeconds: 20,
                  failureThreshold: 6,
                },
                resources: resources(db.embedded.resources, {
                  requests: { cpu: '100m', memory: '256Mi' },
                  limits: { cpu: '1', memory: '1Gi' },
                }),
                securityContext: securityContext({ user: 999 }),
                volumeMounts: [
                  { name: 'data', mountPath: dataMount },
                  { name: 'init-scripts', mountPath: '/docker-entrypoint-initdb.d', readOnly: true },
                ],
              },
            ],
            volumes: [{ name: 'init-scripts', configMap: { name: `${name}-init` } }],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels: labels(config, 'database') },
            spec: {
              accessModes: ['ReadWriteOnce'],
              ...(db.embedded.storageClassName ? { storageClassName: db.embedded.storageClassName } : {}),
              resources: { requests: { storage: k8s.Quantity.fromString(String(db.embedded.storageSize)) } },
            },
          },
        ],
      },
    });
  }

  /**
   * Exposes the embedded database on a NodePort of every cloud node, for edge
   * task managers that have no cluster networking.
   */
  public exposeForEdge(nodePort: number): void {
    const config = this.config;
    new k8s.KubeService(this, 'EdgeService', {
      metadata: { name: `${this.serviceName}-edge`, namespace: config.namespace, labels: labels(config, 'database') },
      spec: {
        type: 'NodePort',
        selector: selectorLabels(config, 'database'),
        ports: [{ name: 'postgres', port: Database.PORT, targetPort: k8s.IntOrString.fromNumber(Database.PORT), nodePort }],
      },
    });
  }
}
