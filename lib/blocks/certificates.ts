/**
 * cert-manager objects: the platform's CA (a self-signed root and a CA
 * Issuer over it) and one Certificate per program, each written by
 * cert-manager into a Secret with `tls.crt`, `tls.key` and `ca.crt`. The
 * programs accept RSA keys only (their TLS 1.2 ciphers are ECDHE-RSA), and
 * each certificate serves both directions of mutual TLS.
 */
import { isIP } from 'node:net';
import { Construct } from 'constructs';
import {
  Certificate,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyRotationPolicy,
  CertificateSpecUsages,
  Issuer,
} from '../imports/cert-manager.io';
import { COMPONENT, instanceSelector, labels, resourceName, SITE_LABEL } from '../labels';
import type { CertificateIssuance } from '../resolve/tls';
import type { PlatformContext } from '../resolve/context';
import { SetupJob, syncWave } from './setup-job';

/** Sync wave of the TLS objects: after the Namespace (-3), before the database (-1) and the programs. */
const TLS_WAVE = -2;

/**
 * Annotations of every cert-manager object: its sync wave, and Argo CD may
 * sync it while cert-manager's CRDs are being installed by another Application.
 */
function annotations(wave: number): Record<string, string> {
  return { ...syncWave(wave), 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' };
}

/** Props of {@link CertificateAuthority}. */
export interface CertificateAuthorityProps {
  /** Names, labels and namespace of the platform instance. */
  readonly context: PlatformContext;
  /** The issuance settings; a CA is made only when `issuance.ca` is set. */
  readonly issuance: CertificateIssuance;
}

/**
 * The platform's own CA: a self-signed Issuer signs a CA Certificate into its
 * Secret, and a CA Issuer over that Secret signs every program's certificate.
 * The CA's Secret lives in the platform namespace; it is state, kept when the
 * Certificate is deleted (cert-manager leaves Secrets behind by default).
 */
export class CertificateAuthority extends Construct {
  constructor(scope: Construct, id: string, props: CertificateAuthorityProps) {
    super(scope, id);
    const { context, issuance } = props;
    const ca = issuance.ca;
    if (ca === undefined) return;
    const meta = (name: string, wave: number) => ({ name, namespace: context.namespace, labels: labels(context, COMPONENT.setup), annotations: annotations(wave) });
    new Issuer(this, 'SelfSigned', {
      metadata: meta(ca.selfSignedIssuer, TLS_WAVE - 1),
      spec: { selfSigned: {} },
    });
    new Certificate(this, 'Root', {
      metadata: meta(ca.secretName, TLS_WAVE - 1),
      spec: {
        isCa: true,
        commonName: `${context.name} Neursafe FL CA`,
        secretName: ca.secretName,
        duration: ca.duration,
        privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.RSA, size: 4096, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.NEVER },
        issuerRef: issuerRef('Issuer', ca.selfSignedIssuer),
      },
    });
    new Issuer(this, 'Issuer', {
      metadata: meta(issuance.issuer.name, TLS_WAVE),
      spec: { ca: { secretName: ca.secretName } },
    });
  }
}

/** Props of {@link ProgramCertificate}. */
export interface ProgramCertificateProps {
  /** Names, labels and namespace of the platform instance. */
  readonly context: PlatformContext;
  /** Issuer, lifetime, renewal and key size. */
  readonly issuance: CertificateIssuance;
  /** The Secret cert-manager writes (also the Certificate's name). */
  readonly secretName: string;
  /** Component label of the Certificate. */
  readonly component: string;
  /**
   * Site label (task managers).
   * @default none
   */
  readonly site?: string;
  /**
   * Host names and IP addresses the program is reached at. The programs do not
   * check host names, nginx checks the coordinators' (`grpc_ssl_name`), and the
   * names help anyone who inspects a certificate.
   */
  readonly hosts: readonly string[];
  /**
   * The subject's common name, for peers that admit a client by its
   * subject (the proxy's TLS listener, the database's certificate login).
   * @default none: an empty subject
   */
  readonly commonName?: string;
  /**
   * The workload (`deployment/<name>`) whose pods read the certificate at
   * start: the {@link CertificateReloader} restarts it after a renewal.
   * @default none: the program reloads the certificate itself
   */
  readonly restart?: string;
  /**
   * For client authentication only (a database client certificate): the
   * key cannot serve TLS to anyone.
   * @default false: server and client authentication
   */
  readonly clientOnly?: boolean;
}

/**
 * A Certificate's issuerRef without what cert-manager fills in the same way: the group `cert-manager.io` and the kind
 * `Issuer` (every node's Certificate carries it).
 */
function issuerRef(kind: 'Issuer' | 'ClusterIssuer', name: string): { name: string; kind?: string } {
  return kind === 'Issuer' ? { name } : { kind, name };
}

/** Annotation of a Certificate: the workload to restart after a renewal. */
export const RESTART_ANNOTATION = 'fl.neursafe.io/restart';

/** Key usages of a program's certificate. */
const U = CertificateSpecUsages;

/** One program's certificate: RSA, for both server and client authentication (or client only). */
export class ProgramCertificate extends Construct {
  constructor(scope: Construct, id: string, props: ProgramCertificateProps) {
    super(scope, id);
    const { context, issuance } = props;
    const hosts = [...new Set(props.hosts)];
    const ipAddresses = hosts.filter((h) => isIP(h) !== 0);
    const dnsNames = hosts.filter((h) => isIP(h) === 0);
    new Certificate(this, 'Resource', {
      metadata: {
        name: props.secretName,
        namespace: context.namespace,
        labels: labels(context, props.component, props.site),
        annotations: { ...annotations(TLS_WAVE), ...(props.restart ? { [RESTART_ANNOTATION]: props.restart } : {}) },
      },
      spec: {
        secretName: props.secretName,
        duration: issuance.duration,
        renewBefore: issuance.renewBefore,
        privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.RSA, size: issuance.rsaKeySize, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
        ...(props.commonName ? { commonName: props.commonName } : {}),
        usages: [U.DIGITAL_SIGNATURE, U.KEY_ENCIPHERMENT, ...(props.clientOnly ? [] : [U.SERVER_AUTH]), U.CLIENT_AUTH],
        ...(dnsNames.length > 0 ? { dnsNames } : {}),
        ...(ipAddresses.length > 0 ? { ipAddresses } : {}),
        issuerRef: issuerRef(issuance.issuer.kind, issuance.issuer.name),
      },
    });
  }
}

/** A program's TLS: the Secret it reads and, when cert-manager issues it, how. */
export interface ProgramTls {
  /** Secret with `tls.crt`, `tls.key` and `ca.crt`. */
  readonly secretName: string;
  /**
   * How cert-manager issues it.
   * @default none: the Secret exists already (certificates you bring)
   */
  readonly issuance?: CertificateIssuance;
}

/** The program's Certificate when cert-manager issues it (see {@link ProgramCertificate}); nothing for a Secret you bring. */
export function certificateOf(
  scope: Construct,
  context: PlatformContext,
  tls: ProgramTls,
  of: Pick<ProgramCertificateProps, 'component' | 'site' | 'hosts' | 'commonName' | 'restart' | 'clientOnly'>,
): void {
  if (tls.issuance === undefined) return;
  new ProgramCertificate(scope, 'Certificate', { context, issuance: tls.issuance, secretName: tls.secretName, ...of });
}

/** Props of {@link CertificateReloader}. */
export interface CertificateReloaderProps {
  /** Names, labels, namespace and the kubectl image of the platform instance. */
  readonly context: PlatformContext;
  /** When to look for renewed certificates (cron). */
  readonly schedule: string;
}

/**
 * For programs that read their certificate once, at start, and have no
 * sidecar to reload it (the task managers): this CronJob restarts
 * (`kubectl rollout restart`) each Deployment named by a Certificate's
 * {@link RESTART_ANNOTATION} whose pods started before the certificate was
 * issued (`status.notBefore`) and that was not restarted since: three list
 * calls, then one restart per renewed certificate, whatever the fleet's size.
 */
export class CertificateReloader extends Construct {
  constructor(scope: Construct, id: string, props: CertificateReloaderProps) {
    super(scope, id);
    const { context } = props;
    const ns = context.namespace;
    const instance = instanceSelector(context);
    /** A label or annotation key as a kubectl JSONPath member (dots escaped). */
    const member = (key: string) => key.replace(/\./g, '\\.');
    // Pods and certificates are joined on <component>/<site>: a Certificate carries its workload's pod labels.
    const key = `{.metadata.labels.${member('app.kubernetes.io/component')}}/{.metadata.labels.${member(SITE_LABEL)}}`;
    const script = [
      'set -eu',
      'cd "$HOME"',
      `kubectl -n ${ns} get pods -l ${instance} -o jsonpath='{range .items[*]}${key}{" "}{.status.startTime}{"\\n"}{end}' > pods`,
      `kubectl -n ${ns} get certificates -l ${instance} -o jsonpath='{range .items[*]}${key}{" "}{.status.notBefore}{" "}{.metadata.annotations.${member(RESTART_ANNOTATION)}}{"\\n"}{end}' > certs`,
      `kubectl -n ${ns} get deployments -l ${instance} -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}{" "}` +
        `{.spec.template.metadata.annotations.${member('kubectl.kubernetes.io/restartedAt')}}{"\\n"}{end}' > workloads`,
      // Restart when a pod started before the certificate was issued, unless the workload was restarted since.
      "awk 'FILENAME == \"workloads\" { restarted[tolower($1)] = $2; next }",
      '     FILENAME == "pods" { if ($2 != "" && (!($1 in oldest) || $2 < oldest[$1])) oldest[$1] = $2; next }',
      '     NF == 3 && ($1 in oldest) && oldest[$1] < $2 && !(($3 in restarted) && restarted[$3] >= $2) { print $3 }\' workloads pods certs | sort -u > todo',
      'n=0; failed=0',
      'while read -r workload; do',
      `  if kubectl -n ${ns} rollout restart "$workload"; then n=$((n + 1)); else failed=$((failed + 1)); fi`,
      'done < todo',
      'echo "restarted $n workload(s) to load renewed certificates, $failed failed"',
      '[ "$failed" -eq 0 ]',
    ].join('\n');
    new SetupJob(this, 'Reloader', {
      context,
      name: resourceName(context, 'certificate-reloader'),
      script,
      wave: 0,
      ttlSecondsAfterFinished: 300,
      schedule: props.schedule,
      rules: [
        { apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: ['list'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
        // `kubectl rollout restart deployment/NAME` GETs the Deployment, then PATCHes it (cli-runtime's resource.Helper).
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'patch'] },
      ],
    });
  }
}
