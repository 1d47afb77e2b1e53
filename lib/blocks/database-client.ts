/**
 * The database as its clients see it: how a program reaches it (address,
 * table, credentials by reference, TLS) and what it is given for that
 * (environment variables, the CA and client certificate files).
 */
import { k8s } from 'cdk8s-plus-28';
import { splitHostPort } from '../config/addresses';
import { HOST_PORT } from '../config/schema';
import type { EdgeDatabaseAddress } from '../resolve/model';
import { DATABASE_USERS } from '../resolve/database-users';
import type { DatabaseUser } from '../resolve/database-users';
import { env, SecretKeyRef, secretEnv } from './pod';
import type { MountedVolume } from './pod';
import { DATABASE_CLIENT_DIR, databaseCaFolder, postgresTlsEnv, sslFolder } from './tls';

/** Database credentials by reference. */
export interface Credentials {
  /** User name key. */
  readonly username: SecretKeyRef;
  /** Password key. */
  readonly password: SecretKeyRef;
}

/** How programs reach the database. */
export interface DatabaseConnection {
  /** `DB_TYPE`, exactly as the programs compare it. */
  readonly type: 'postgreSQL' | 'mongo';
  /** `DB_ADDRESS`. */
  readonly address: string;
  /** `DB_NAME`. */
  readonly name: string;
  /** Each program's `DB_USERNAME` and `DB_PASSWORD`, by reference. */
  readonly credentials: Readonly<Record<DatabaseUser, Credentials>>;
  /** host:port to wait for before a program starts; undefined when it cannot be told (e.g. mongodb+srv). */
  readonly waitAddress?: string;
  /**
   * The server demands TLS: clients verify it with `ca.crt` of this Secret
   * (any Secret signed by the platform's CA: a client's own where it has one).
   * @default none: plaintext
   */
  readonly tls?: {
    /** Secret whose `ca.crt` verifies the server. */
    readonly caSecret: string;
    /**
     * IP address the client connects to (`PGHOSTADDR`) while `address`'s host, a name in the server's certificate, is what it verifies.
     * @default none: connect to `address`'s host
     */
    readonly hostAddress?: string;
    /**
     * Secrets of the database client certificates of the roles that have no
     * program certificate to present (the job scheduler's, the model
     * manager's), mounted at {@link DATABASE_CLIENT_DIR}.
     * @default none: every certificate role presents its program's `ssl` folder
     */
    readonly clientSecrets?: Readonly<Partial<Record<DatabaseUser, string>>>;
    /**
     * `caSecret` is the Secret of the program's own `ssl` folder: libpq reads the CA there (`trusted.pem`,
     * the same `ca.crt`) and no CA folder is mounted besides it (an edge node's file carries one volume less).
     * @default false: the CA folder at `DATABASE_CA_DIR` (blocks/tls.ts)
     */
    readonly caInSslFolder?: boolean;
  };
}

/**
 * Environment variables of a program: its table, its own credentials and, with TLS, libpq's TLS settings.
 * @param programSslDir the program's `ssl` folder: its certificate logs in a role that needs one
 *   (`DatabaseUserSpec.certificate` in resolve/database-users.ts), unless the role has a database client certificate
 *   of its own (`db.tls.clientSecrets`, see {@link databaseClientFiles})
 */
export function databaseEnv(db: DatabaseConnection, user: DatabaseUser, programSslDir?: string): k8s.EnvVar[] {
  const spec = DATABASE_USERS[user];
  const sslDir = db.tls?.clientSecrets?.[user] !== undefined ? DATABASE_CLIENT_DIR : programSslDir;
  if (db.tls && spec.certificate && sslDir === undefined) {
    throw new Error(`databaseEnv: role ${spec.role} logs in with a certificate over TLS: pass the program's ssl folder (sslDir) or a client certificate (db.tls.clientSecrets.${user})`);
  }
  return [
    ...env({ DB_TYPE: db.type, DB_ADDRESS: db.address, DB_NAME: db.name, DB_COLLECTION_NAME: spec.collection }),
    secretEnv('DB_USERNAME', db.credentials[user].username),
    secretEnv('DB_PASSWORD', db.credentials[user].password),
    ...(db.tls ? postgresTlsEnv(db.tls.hostAddress, spec.certificate ? sslDir : undefined, caInSsl(db, programSslDir)) : []),
  ];
}

/**
 * What a client of a TLS database mounts (see {@link databaseEnv}): the CA
 * file and, for a role with a database client certificate of its own
 * (`db.tls.clientSecrets`), that certificate at {@link DATABASE_CLIENT_DIR};
 * none without TLS.
 */
export function databaseClientFiles(db: DatabaseConnection, user: DatabaseUser): MountedVolume[] {
  if (!db.tls) return [];
  const clientSecret = db.tls.clientSecrets?.[user];
  return [...(db.tls.caInSslFolder ? [] : [databaseCaFolder(db.tls.caSecret)]), ...(clientSecret === undefined ? [] : [sslFolder(clientSecret, DATABASE_CLIENT_DIR)])];
}

/** The program's `ssl` folder when libpq reads the CA there ({@link DatabaseConnection}'s `tls.caInSslFolder`). */
function caInSsl(db: DatabaseConnection, programSslDir: string | undefined): string | undefined {
  if (!db.tls?.caInSslFolder) return undefined;
  if (programSslDir === undefined) throw new Error('databaseEnv: tls.caInSslFolder needs the program\'s ssl folder (programSslDir)');
  return programSslDir;
}

/** The first host:port of a MongoDB URI, or the address itself when it is host:port. */
export function waitAddressOf(address: string): string | undefined {
  if (HOST_PORT.test(address)) return address;
  const m = /^mongodb:\/\/(?:[^@/]*@)?([^,/?]+)/.exec(address);
  if (!m) return undefined;
  return m[1].includes(':') ? m[1] : `${m[1]}:27017`;
}

/** The database as edge nodes reach it: at `at` (`edge.databaseAddress`) when set, else where the cloud programs do. */
export function reachedAt(db: DatabaseConnection, at: EdgeDatabaseAddress | undefined): DatabaseConnection {
  if (at === undefined) return db;
  const edge = { ...db, address: at.address, waitAddress: waitAddressOf(at.address) };
  if (!db.tls || at.verifiedName === undefined) return edge;
  const [host, port] = splitHostPort(at.address);
  return { ...edge, address: `${at.verifiedName}:${port}`, tls: { ...db.tls, hostAddress: host } };
}
