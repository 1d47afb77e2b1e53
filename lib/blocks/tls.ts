/**
 * How a certificate Secret reaches a program: the programs' `ssl` folder
 * (exactly `cert.pem`, `private.key` and `trusted.pem`, mapped from the keys
 * cert-manager writes) and the CA file PostgreSQL clients verify the server with.
 */
import { k8s } from 'cdk8s-plus-28';
import { env } from './pod';
import type { MountedVolume } from './pod';

/** Where a program's `ssl` folder is mounted. */
export const SSL_DIR = '/etc/neursafe-fl/ssl';

/** The `ssl` folder's files, from a cert-manager Secret's keys. */
export const SSL_FILES = [
  { key: 'tls.crt', path: 'cert.pem' },
  { key: 'tls.key', path: 'private.key' },
  { key: 'ca.crt', path: 'trusted.pem' },
] as const;

/**
 * How often the sidecars that load renewed certificates in place (proxy,
 * database, coordinators' folders) compare the Secret's files with what was
 * loaded, in seconds; cert-manager renews weeks before expiry.
 */
export const TLS_CHECK_SECONDS = 300;

/** Volume name of the `ssl` folder. */
const SSL_VOLUME = 'ssl';

/**
 * The `ssl` folder of a program: a Secret volume whose file names
 * are the ones the programs open, readable by their owner only (the
 * programs that read it run as root).
 * @param mode the files' mode: 0400 (root's) unless a non-root reader gets
 *   them through the pod's `fsGroup` (0440: root's, readable by that group)
 */
export function sslFolder(secretName: string, mountPath: string = SSL_DIR, mode: 0o400 | 0o440 = 0o400): { volume: k8s.Volume; mount: k8s.VolumeMount } {
  return secretFiles(SSL_VOLUME, secretName, SSL_FILES, mode, mountPath);
}

/**
 * Where a client of the embedded database that has no program certificate
 * (the job scheduler, the model manager, the set-up Job) mounts its
 * database client certificate, as an `ssl` folder ({@link sslFolder}).
 */
export const DATABASE_CLIENT_DIR = '/etc/neursafe-fl/database-client';

/** A folder of some keys of a Secret, each under its own file name (read-only: the kubelet mounts every Secret volume so). */
function secretFiles(
  volumeName: string,
  secretName: string,
  items: readonly { readonly key: string; readonly path: string }[],
  defaultMode: number,
  mountPath: string,
): MountedVolume {
  return {
    volume: { name: volumeName, secret: { secretName, defaultMode, items: items.map((i) => ({ ...i })) } },
    mount: { name: volumeName, mountPath },
  };
}

/** Where PostgreSQL clients find the CA that signed the database's certificate. */
export const DATABASE_CA_DIR = '/etc/neursafe-fl/database-ca';

/**
 * The CA file of a PostgreSQL client: only `ca.crt` of a Secret signed by
 * the platform's CA, world-readable (a CA certificate is public; the
 * clients run as various users).
 */
export function databaseCaFolder(secretName: string): MountedVolume {
  return secretFiles('database-ca', secretName, [{ key: 'ca.crt', path: 'ca.crt' }], 0o444, DATABASE_CA_DIR);
}

/**
 * libpq's environment for TLS: encrypt, verify that the server's certificate
 * is signed by the CA, and that it names the host the client dialled
 * (`verify-full`), so no other certificate of the platform's CA can pose as
 * the database. The database's certificate carries every host clients use:
 * its Service names and `edge.databaseAddress`'s host.
 * @param hostAddress the IP address to connect to (`PGHOSTADDR`) while the
 *   certificate is checked against the host name in `DB_ADDRESS`: libpq
 *   before PostgreSQL 14 never matches an IP address in a certificate, and
 *   the programs' images may have one that old
 * @param sslDir the client's `ssl` folder, whose certificate and key libpq
 *   presents (`PGSSLCERT`, `PGSSLKEY`) to a server that logs the role in by
 *   certificate; libpq accepts the key because it is owned by root with mode
 *   0400 ({@link sslFolder}) and the programs that read it run as root (the
 *   set-up Job's non-root psql: root's with mode 0440, through its group;
 *   libpq accepts a root-owned key up to 0640)
 * @param caSslDir an `ssl` folder whose `trusted.pem` is the CA to verify with, instead of {@link DATABASE_CA_DIR}
 */
export function postgresTlsEnv(hostAddress?: string, sslDir?: string, caSslDir?: string): k8s.EnvVar[] {
  return env({
    PGSSLMODE: 'verify-full',
    PGSSLROOTCERT: caSslDir === undefined ? `${DATABASE_CA_DIR}/ca.crt` : `${caSslDir}/${sslFile('ca.crt')}`,
    ...(hostAddress === undefined ? {} : { PGHOSTADDR: hostAddress }),
    ...(sslDir === undefined ? {} : { PGSSLCERT: `${sslDir}/${sslFile('tls.crt')}`, PGSSLKEY: `${sslDir}/${sslFile('tls.key')}` }),
  });
}

/** The file name in the `ssl` folder of a Secret's key. */
function sslFile(key: (typeof SSL_FILES)[number]['key']): string {
  return SSL_FILES.find((f) => f.key === key)!.path;
}
