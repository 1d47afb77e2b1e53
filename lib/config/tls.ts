/**
 * The `tls` section of `platform.yaml`: mutual TLS on the FL gRPC hops and
 * TLS to the embedded database, with certificates from cert-manager or from
 * Secrets the user already has (docs/security.md, Encryption).
 */
import { z } from 'zod';
import { dnsSubdomain } from './fields';

/**
 * A Go duration as cert-manager reads it: hours, minutes and seconds, e.g. `8760h` or `2160h30m`.
 * cert-manager refuses certificates shorter than one hour.
 */
export const GO_DURATION = /^(?=\d)(?:\d+h)?(?:\d+m)?(?:\d+s)?$/;

/** Seconds of a {@link GO_DURATION}. */
export function durationSeconds(duration: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration)!;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

const duration = z.string().regex(GO_DURATION, { error: 'must be a duration in hours, minutes and seconds, e.g. 8760h (one year) or 720h30m', abort: true });

/**
 * A folder name inside an FL namespace's folder: a name, not a path. A leading
 * "." is allowed (it hides the folder from `ls`), "." and ".." are not.
 */
const folderInNamespace = z
  .string()
  .max(255, { error: 'must be at most 255 characters (a folder name)', abort: true })
  .regex(/^(?!\.\.?$)[A-Za-z0-9._-]+$/, { error: 'must be a single folder name (letters, digits, ".", "_", "-"; no "/", not "." or ".."), e.g. .nsfl-tls' });

/** Schema of `tls`. */
export const tlsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Mutual TLS on every FL gRPC hop the programs can encrypt (task managers ↔ proxy ↔ coordinators, coordinators → task managers) and TLS for every remote connection to the embedded ' +
          'database. false only for a lab: every byte, credentials included, then crosses the network in plaintext.',
      ),
    certificates: z
      .enum(['certManager', 'existing'])
      .default('certManager')
      .describe('certManager: cert-manager issues and renews every certificate (it must be installed, see gitops.argocd.certManager); existing: Secrets you create (keys tls.crt, tls.key, ca.crt; ' +
        'RSA keys; one CA for all), named in tls.existingSecrets.'),
    certManager: z
      .strictObject({
        issuer: z
          .strictObject({
            kind: z.enum(['Issuer', 'ClusterIssuer']).default('ClusterIssuer').describe('Kind of the issuer (an Issuer must be in the platform namespace).'),
            name: dnsSubdomain.describe('Name of the issuer.'),
            dedicated: z
              .boolean()
              .default(false)
              .describe(
                "Required true: you state that this issuer's CA (e.g. an intermediate of your PKI) signs this platform's certificates and nothing else. The programs admit any peer certificate " +
                  "their CA signed (they check no name), so a CA that also signs other certificates lets their holders act as task managers or coordinators.",
              ),
          })
          .optional()
          .describe("Sign with an issuer you run, whose CA is dedicated to this platform (dedicated: true); it must return the CA's certificate as ca.crt (the CA and Vault issuers do). Default: a " +
            "CA created here (a self-signed root kept in the Secret <name>-ca)."),
        caDuration: duration.default('87600h').describe('Lifetime of the CA created here (default ten years).'),
        duration: duration.default('8760h').describe('Lifetime of each program\'s certificate (default one year).'),
        renewBefore: duration.default('720h').describe('How long before expiry cert-manager renews a certificate (default 30 days). The proxy, the database and the coordinators\' folders load a ' +
          'renewal in place; task managers read theirs at start only (see restart).'),
        restart: z
          .strictObject({
            enabled: z
              .boolean()
              .default(true)
              .describe('Restart, on the schedule, each task manager whose certificate was renewed since it started (they read it at start only): a restart fails the tasks it runs, so pick a ' +
                'quiet hour. false: restart them yourself within renewBefore (docs/security.md).'),
            schedule: z
              .string()
              .regex(/^(\S+\s+){4}\S+$/, { error: 'must be a cron schedule of five fields, e.g. "30 3 * * *" (03:30 every day)' })
              .default('30 3 * * *')
              .describe('When to look for renewed certificates (cron, in the controller manager\'s time zone): default 03:30 every day.'),
          })
          .prefault({})
          .describe('Restarts of task managers after a renewal. The proxy, the database and the coordinators\' folders need none: sidecars load their renewed certificates in place.'),
        rsaKeySize: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]).default(2048).describe('RSA key size (the programs accept RSA keys only).'),
      })
      .prefault({})
      .describe('Certificates from cert-manager (tls.certificates certManager).'),
    existingSecrets: z
      .strictObject({
        proxy: dnsSubdomain.optional().describe('The proxy\'s Secret; default <name>-proxy-tls.'),
        taskManager: dnsSubdomain.optional().describe('The cloud task manager\'s Secret; default <name>-task-manager-tls.'),
        database: dnsSubdomain.optional().describe('The embedded database\'s Secret; default <name>-database-tls.'),
        jobScheduler: dnsSubdomain.optional().describe('The job scheduler\'s client certificate for the embedded database (common name fl_job_scheduler, its role); default <name>-job-scheduler-tls.'),
        modelManager: dnsSubdomain.optional().describe('The model manager\'s client certificate for the embedded database (common name fl_model_manager, its role); default <name>-model-manager-tls.'),
        databaseSetup: dnsSubdomain.optional().describe('The database set-up Job\'s client certificate for the embedded database (any subject: it logs in as the superuser, whose name it cannot ' +
          'carry); default <name>-database-setup-tls.'),
        coordinators: dnsSubdomain.optional().describe('The coordinators\' Secret, shared by every FL namespace (it must then carry every namespace\'s name ' +
          'coordinators.<namespace>.<name>.internal, and a job author of one namespace holds a key valid in all); default <name>-coordinator-tls-<namespace>, one per namespace.'),
        edgeNodePrefix: z
          .string()
          .max(190, { error: 'must be at most 190 characters (node names follow it in a Secret name)', abort: true })
          .regex(/^[a-z0-9][-a-z0-9.]*$/, { error: 'must be the start of a Secret name: lower-case letters, digits, "-" and ".", e.g. fl-edge-' })
          .optional().describe('Edge node N\'s Secret is <edgeNodePrefix>N; default prefix <name>-tls-.'),
      })
      .prefault({})
      .describe('Secret names (tls.certificates existing). Each holds tls.crt, tls.key and ca.crt, as cert-manager writes them.'),
    coordinatorFolder: folderInNamespace
      .default('.nsfl-tls')
      .describe("Folder, inside each FL namespace's folder of the shared root, that holds the coordinators' certificate; jobs name it in their config key \"ssl\" (docs/security.md)."),
    tunnelPort: z
      .number()
      .int({ error: 'must be a whole number (a port from 1024 to 29999, e.g. 21091)' })
      .min(1024, { error: 'must be at least 1024, e.g. 21091' })
      .max(29999, { error: 'must be below 30000: a loopback port in the NodePort range (30000-32767) is caught by kube-proxy' })
      .default(21091)
      .describe("Loopback port of the TLS tunnel beside every task manager: the program sends everything for the proxy to 127.0.0.1:<tunnelPort> in plaintext, and the tunnel carries it to the " +
        "proxy over mutual TLS (the programs cannot encrypt those calls themselves). On an edge node (host network) the port is taken on the node itself: no task manager port may equal it."),
    plaintextDatabase: z
      .boolean()
      .default(false)
      .describe('Also accept unencrypted connections to the embedded database from other hosts (pods and edge nodes). Off: every remote connection must use TLS. Turning it on is warned.'),
  })
  .prefault({})
  .describe('Encryption: mutual TLS for FL traffic and TLS to the database (docs/security.md).');
