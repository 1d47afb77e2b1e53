/**
 * TLS, fully resolved: which Secret holds each program's certificate, how
 * certificates are issued, and the rules relating the `tls` fields to the
 * rest of the config.
 */
import type { RuleIssue } from '../config/errors';
import { Config } from '../config/schema';
import { durationSeconds } from '../config/tls';
import { resourceName } from '../labels';
import { DATABASE_USERS } from './database-users';

/** How cert-manager issues the certificates (tls.certificates certManager). */
export interface CertificateIssuance {
  /** The issuer every program's Certificate names. */
  readonly issuer: { readonly kind: 'Issuer' | 'ClusterIssuer'; readonly name: string };
  /**
   * The CA made here: a self-signed Issuer signs it into this Secret, and the issuer above is a CA Issuer over it.
   * @default none: the user's issuer signs
   */
  readonly ca?: { readonly secretName: string; readonly selfSignedIssuer: string; readonly duration: string };
  /** Lifetime of each program's certificate (Go duration). */
  readonly duration: string;
  /** Renewal before expiry (Go duration). */
  readonly renewBefore: string;
  /** RSA key size. */
  readonly rsaKeySize: number;
  /**
   * When to restart the programs whose certificate was renewed (cron).
   * @default none: the operator restarts them
   */
  readonly restartSchedule?: string;
}

/** TLS of the platform, when on. */
export interface TlsSettings {
  /**
   * cert-manager issuance.
   * @default none: the Secrets exist already (tls.certificates existing)
   */
  readonly issuance?: CertificateIssuance;
  /** Secret (tls.crt, tls.key, ca.crt) of the proxy. */
  readonly proxySecret: string;
  /** Secret of the cloud task manager. */
  readonly taskManagerSecret: string;
  /** Secret of the embedded database's server certificate. */
  readonly databaseSecret: string;
  /**
   * Secrets of the embedded database's client certificates that no program
   * certificate serves: the job scheduler's and the model manager's (common
   * name: their role, see {@link DATABASE_USERS}), and the set-up Job's.
   */
  readonly databaseClientSecrets: { readonly jobScheduler: string; readonly modelManager: string; readonly setup: string };
  /** Secret of the coordinators of one FL namespace. */
  readonly coordinatorSecret: (namespace: string) => string;
  /** Secret of one edge node's task manager. */
  readonly edgeNodeSecret: (node: string) => string;
  /**
   * Host name in the certificate of one FL namespace's coordinators, which
   * the proxy checks for that namespace's routes (`.internal`: a name no
   * public DNS serves): a coordinator's key of one namespace is no good for
   * another's task results.
   */
  readonly coordinatorHost: (namespace: string) => string;
  /**
   * Common name (the whole subject) of the cloud task manager's certificate,
   * its database role's name: the proxy admits a client certificate only
   * with a task manager's subject, and the database logs that role in only
   * with this certificate (and its password).
   */
  readonly taskManagerName: string;
  /**
   * Common name (the whole subject) of every edge node's certificate: the
   * proxy admits it, and it is the name of the edge task managers' database
   * role, the only role a certificate logs in as (`clientcert=verify-full`
   * matches the common name with the role; PostgreSQL maps other names for
   * its `cert` method only, which would drop the password). One name for all
   * nodes: they share that role and its table.
   */
  readonly edgeNodeName: string;
  /** Host name in the proxy's certificate that the task managers' tunnels check (nginx matches DNS names only, never IP addresses). */
  readonly proxyHost: string;
  /** Host name in the database's certificate that edge nodes verify when they reach it at an IP address (libpq before 14 matches no IP address). */
  readonly databaseHost: string;
  /** Loopback port of the TLS tunnel in every task manager pod. */
  readonly tunnelPort: number;
  /** Folder inside each FL namespace's folder that holds the coordinators' certificate (jobs' `ssl`). */
  readonly coordinatorFolder: string;
  /** The embedded database also accepts plaintext connections from other hosts. */
  readonly plaintextDatabase: boolean;
}

/** The TLS settings, or undefined when TLS is off. */
export function resolveTls(config: Config): TlsSettings | undefined {
  const tls = config.tls;
  if (!tls.enabled) return undefined;
  const existing = tls.certificates === 'existing' ? tls.existingSecrets : {};
  const cm = tls.certManager;
  const issuance: CertificateIssuance | undefined =
    tls.certificates === 'existing'
      ? undefined
      : {
          issuer: cm.issuer ? { kind: cm.issuer.kind, name: cm.issuer.name } : { kind: 'Issuer', name: resourceName(config, 'ca') },
          ca: cm.issuer ? undefined : { secretName: resourceName(config, 'ca'), selfSignedIssuer: resourceName(config, 'selfsigned'), duration: cm.caDuration },
          duration: cm.duration,
          renewBefore: cm.renewBefore,
          rsaKeySize: cm.rsaKeySize,
          restartSchedule: cm.restart.enabled ? cm.restart.schedule : undefined,
        };
  // Per-namespace and per-node families each have a prefix of their own, so no name can produce another's.
  const edgePrefix = existing.edgeNodePrefix ?? resourceName(config, 'tls-');
  return {
    issuance,
    proxySecret: existing.proxy ?? resourceName(config, 'proxy-tls'),
    taskManagerSecret: existing.taskManager ?? resourceName(config, 'task-manager-tls'),
    databaseSecret: existing.database ?? resourceName(config, 'database-tls'),
    databaseClientSecrets: {
      jobScheduler: existing.jobScheduler ?? resourceName(config, 'job-scheduler-tls'),
      modelManager: existing.modelManager ?? resourceName(config, 'model-manager-tls'),
      setup: existing.databaseSetup ?? resourceName(config, 'database-setup-tls'),
    },
    coordinatorSecret: (ns) => existing.coordinators ?? resourceName(config, `coordinator-tls-${ns}`),
    edgeNodeSecret: (node) => `${edgePrefix}${node}`,
    coordinatorHost: (ns) => `coordinators.${ns}.${config.name}.internal`,
    taskManagerName: DATABASE_USERS.taskManager.role,
    edgeNodeName: DATABASE_USERS.edgeTaskManager.role,
    proxyHost: `proxy.${config.name}.internal`,
    databaseHost: `database.${config.name}.internal`,
    tunnelPort: tls.tunnelPort,
    coordinatorFolder: tls.coordinatorFolder,
    plaintextDatabase: tls.plaintextDatabase,
  };
}

/** cert-manager's shortest certificate lifetime, in seconds. */
const MIN_DURATION = 3600;

/** Rules of the `tls` section. */
export function tlsRules(c: Config): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const tls = c.tls;
  if (!tls.enabled) {
    issues.push({
      path: ['tls', 'enabled'],
      severity: 'warning',
      message: 'TLS is off: model updates, task commands and database credentials cross the network in plaintext (a lab only)',
    });
    return issues;
  }
  if (tls.plaintextDatabase && c.database.type === 'embedded') {
    issues.push({
      path: ['tls', 'plaintextDatabase'],
      severity: 'warning',
      message: 'the embedded database also accepts unencrypted connections from other hosts: its passwords and rows can be read on the way',
    });
  }
  if (tls.certificates === 'certManager') {
    const cm = tls.certManager;
    if (cm.issuer !== undefined && !cm.issuer.dedicated) {
      issues.push({
        path: ['tls', 'certManager', 'issuer', 'dedicated'],
        severity: 'error',
        message: `the issuer ${cm.issuer.kind} "${cm.issuer.name}" would be trusted whole: the programs admit every certificate its CA signs (they check no name), so anyone holding another ` +
          `certificate of that CA could act as a task manager or coordinator. Give the platform a CA of its own: an intermediate that signs nothing else, behind an issuer of its own, then set ` +
            `tls.certManager.issuer.dedicated: true; or remove tls.certManager.issuer to use the CA created here`,
      });
    }
    for (const key of ['duration', 'caDuration'] as const) {
      if (durationSeconds(cm[key]) < MIN_DURATION) {
        issues.push({ path: ['tls', 'certManager', key], severity: 'error', message: `must be at least 1h (cert-manager's shortest certificate lifetime); found ${cm[key]}` });
      }
    }
    if (durationSeconds(cm.renewBefore) >= durationSeconds(cm.duration)) {
      issues.push({
        path: ['tls', 'certManager', 'renewBefore'],
        severity: 'error',
        message: `must be shorter than tls.certManager.duration (${cm.duration}), or cert-manager renews the certificate as soon as it is issued; found ${cm.renewBefore}`,
        related: ['tls', 'certManager', 'duration'],
      });
    }
  }
  return issues;
}
