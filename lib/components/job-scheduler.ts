/**
 * The job scheduler: the HTTP API of jobs. It creates a coordinator Pod and
 * Service per job in namespace `default`, registers coordinator routes with
 * the proxy and hands its own and the selector's address to coordinators.
 */
import { Construct } from 'constructs';
import { platformImage } from '../images';
import { apiProxySidecar, roleNames, WORKLOAD_NAMESPACE } from '../blocks/api-access';
import { pullSecretsEnv } from './pull-secrets';
import { COORDINATOR_IMAGE } from '../config/defaults';
import { k8s } from 'cdk8s-plus-28';
import type { CertificateIssuance } from '../resolve/tls';
import { certificateOf } from '../blocks/certificates';
import { clientSelectorComponent } from './client-selector';
import { databaseClientFiles, databaseEnv, DatabaseConnection } from '../blocks/database-client';
import { defineComponent } from '../blocks/define';
import { modelManagerComponent } from './model-manager';
import { env, httpProbes, initContainer, MountedVolume, podVolumes, secretEnv, SecretKeyRef, securityContext, waitForTcp } from '../blocks/pod';
import { proxyComponent } from './proxy';
import { renderPublishFunction } from '../render/coordinator-certificates';
import { SSL_FILES, TLS_CHECK_SECONDS } from '../blocks/tls';
import { SharedRoot } from '../blocks/shared-root';
import { ComponentProps, ProgramService, ProgramWorkload } from '../blocks/workload';
import { COMPONENT } from '../labels';
import { apiServerFlow, databaseFlow, platformPeer, tcp } from '../network/flows';
import { databaseComponent, databaseEndpoint } from './database';
import { secretsComponent } from './secrets';

/** Props of {@link JobScheduler}. */
export interface JobSchedulerProps extends ComponentProps {
  /** HTTP port (`HTTP_PORT`). */
  readonly port: number;
  /** Log level (`LOG_LEVEL`). */
  readonly logLevel: string;
  /**
   * Image of the coordinators it creates per job.
   * @default `<context.images.registry>/nsfl-coordinator:<context.images.tag>`
   */
  readonly coordinatorImage?: string;
  /** The database connection. */
  readonly db: DatabaseConnection;
  /** The shared root. */
  readonly root: SharedRoot;
  /** The client selector Service. */
  readonly selector: ProgramService;
  /** The model manager Service. */
  readonly modelManager: ProgramService;
  /** The proxy's internal Service (its `http` port takes route registrations). */
  readonly proxy: ProgramService;
  /** The route-registration token shared with the proxy. */
  readonly routeToken: SecretKeyRef;
  /**
   * Coordinators' certificates to publish into the shared root (at start, and again when renewed).
   * @default none: jobs run without TLS
   */
  readonly coordinatorTls?: CoordinatorTls;
}

/** The coordinators' certificates, one per FL namespace. */
export interface CoordinatorTls {
  /** Folder inside each FL namespace's folder of the shared root; jobs name it in their config key `ssl`. */
  readonly folder: string;
  /** Secret (`tls.crt`, `tls.key`, `ca.crt`) of each FL namespace's coordinators, by namespace. */
  readonly secrets: Readonly<Record<string, string>>;
  /**
   * How cert-manager issues them.
   * @default none: the Secrets exist already
   */
  readonly issuance?: CertificateIssuance;
  /** The host name each FL namespace's coordinators' certificate carries, by namespace (the proxy checks it). */
  readonly hostNames: Readonly<Record<string, string>>;
}

/**
 * Writes each FL namespace's coordinator certificate into
 * `<shared root>/<namespace>/<folder>/` as the `ssl` folder coordinators
 * open (cert.pem, private.key, trusted.pem, private to root). A change is
 * published whole: a new version folder, then one rename of the `..data`
 * link that each file name points through, as Kubernetes writes Secret
 * volumes, so a coordinator never sees a certificate and a key of two
 * versions side by side: an init container before the job scheduler
 * starts, and a sidecar that does it again when cert-manager renews a
 * Secret. The job scheduler mounts that folder into every coordinator of
 * the namespace whose job config sets `ssl: <folder>`.
 */
function publishCoordinatorCertificates(
  context: JobSchedulerProps['context'],
  root: SharedRoot,
  tls: CoordinatorTls,
): { init: k8s.Container; sidecar: k8s.Container; volume: k8s.Volume } {
  const source = '/etc/neursafe-fl/coordinator-tls';
  const namespaces = Object.keys(tls.secrets).sort();
  // Mounted by both copies, not by the job scheduler.
  const certificates: MountedVolume = {
    volume: {
      name: 'coordinator-tls',
      projected: {
        defaultMode: 0o400,
        sources: namespaces.map((ns) => ({ secret: { name: tls.secrets[ns], items: SSL_FILES.map((f) => ({ key: f.key, path: `${ns}/${f.path}` })) } })),
      },
    },
    mount: { name: 'coordinator-tls', mountPath: source },
  };
  const publish = renderPublishFunction({ namespaces, source, root: SharedRoot.MOUNT_PATH, folder: tls.folder, files: SSL_FILES.map((f) => f.path) });
  const mounts = [root.mount, certificates.mount];
  const init = initContainer(context, 'publish-coordinator-certificates', ['set -eu', publish, 'publish'].join('\n'), mounts, true);
  // The projected volume's files change in place when a Secret is renewed (it is not a subPath).
  const loop = ['set -eu', publish, `while sleep ${TLS_CHECK_SECONDS}; do publish; done`].join('\n');
  const sidecar = initContainer(context, 'republish-coordinator-certificates', loop, mounts, true);
  return { init, sidecar, volume: certificates.volume };
}

/** The job scheduler: Deployment, Service, ServiceAccount and its bindings. */
export class JobScheduler extends Construct {
  /** The Service other components address it by. */
  public readonly service: ProgramService;

  constructor(scope: Construct, id: string, props: JobSchedulerProps) {
    super(scope, id);
    const { context, root, db } = props;
    const api = apiProxySidecar(context);
    const coordinatorTls = props.coordinatorTls;
    const publish = coordinatorTls && publishCoordinatorCertificates(context, root, coordinatorTls);
    // The sidecars' own volumes keep their places in the pod's list.
    const files = podVolumes([
      root,
      ...api.volumes.map((volume) => ({ volume })),
      ...databaseClientFiles(db, 'jobScheduler'),
      ...(publish ? [{ volume: publish.volume }] : []),
    ]);
    const workload = new ProgramWorkload(this, 'Workload', {
      context,
      component: COMPONENT.jobScheduler,
      ports: [{ name: 'http', port: props.port }],
      identity: { role: roleNames(context).jobScheduler },
      image: platformImage(context, jobSchedulerComponent.image, props.image),
      resources: props.resources,
      defaultResources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      sidecars: [api.container, ...(publish ? [publish.sidecar] : [])],
      container: (service) => ({
        env: [
          ...env({
            HTTP_PORT: props.port,
            LOG_LEVEL: props.logLevel,
            JOB_SCHEDULER_ADDRESS: service.address('http'),
            SELECTOR_ADDRESS: props.selector.address('grpc'),
            MODEL_MANAGER_ADDRESS: props.modelManager.address('http'),
            PROXY_ADDRESS: props.proxy.address('http'),
            SOURCE_MOUNT_PATH: root.hostPath,
            WORKSPACE: SharedRoot.MOUNT_PATH,
            TEMP_DIR: root.coordinatorConfigsDir,
            COORDINATOR_IMAGE: platformImage(context, COORDINATOR_IMAGE, props.coordinatorImage),
            CLOUD_OS: 'k8s',
            DEPLOYMENT_WAY: 'cloud',
            ...pullSecretsEnv(context),
          }),
          ...api.env,
          secretEnv('TOKEN', props.routeToken),
          ...databaseEnv(db, 'jobScheduler'),
          ...env(props.env ?? {}),
        ],
        ...httpProbes('/api/v1/health', props.port),
        securityContext: securityContext({ root: true }),
        volumeMounts: files.volumeMounts,
      }),
      pod: {
        // It dials coordinators (Services in `default`) by bare name with its own resolver.
        ...(context.namespace === WORKLOAD_NAMESPACE ? {} : { dnsConfig: { searches: [`${WORKLOAD_NAMESPACE}.svc.cluster.local`] } }),
        initContainers: [root.prepareContainer(), ...(publish ? [publish.init] : []), ...(db.waitAddress ? [waitForTcp(context, 'database', db.waitAddress)] : [])],
        volumes: files.volumes,
      },
    });
    this.service = workload.service;
    // No restart after a renewal: the sidecar publishes the renewed certificate for the coordinators of later jobs.
    for (const [ns, secretName] of Object.entries(coordinatorTls?.secrets ?? {})) {
      certificateOf(new Construct(this, `Coordinators-${ns}`), context, { secretName, issuance: coordinatorTls!.issuance }, {
        component: COMPONENT.jobScheduler,
        hosts: [coordinatorTls!.hostNames[ns]],
      });
    }
  }
}

/** The job scheduler in the registry. */
export const jobSchedulerComponent = defineComponent({
  name: COMPONENT.jobScheduler,
  image: 'nsfl-job-scheduler',
  configKey: 'jobScheduler',
  build: (scope, { model, root, built }) => {
    const { context, tls, namespaces } = model;
    return new JobScheduler(scope, 'JobScheduler', {
      context,
      ...model.sections.jobScheduler,
      coordinatorImage: model.images.coordinator,
      db: built(databaseComponent).connection,
      root,
      selector: built(clientSelectorComponent).service,
      modelManager: built(modelManagerComponent).service,
      proxy: built(proxyComponent).service,
      routeToken: built(secretsComponent).routeToken,
      coordinatorTls: tls && {
        folder: tls.coordinatorFolder,
        secrets: Object.fromEntries(namespaces.map((ns) => [ns, tls.coordinatorSecret(ns)])),
        issuance: tls.issuance,
        hostNames: Object.fromEntries(namespaces.map((ns) => [ns, tls.coordinatorHost(ns)])),
      },
    });
  },
  flows: (_, { model, built }) => {
    const me = platformPeer(COMPONENT.jobScheduler);
    const proxy = built(proxyComponent).service;
    const selectorGrpc = tcp(built(clientSelectorComponent).service.port('grpc'));
    return [
      // Route registration: only the job scheduler calls the proxy's HTTP port.
      { from: me, to: platformPeer(COMPONENT.proxy), ports: tcp(proxy.port('http')) },
      // Before it starts a job, the job scheduler asks the selector whether enough clients are free (CheckClientsResource).
      { from: me, to: platformPeer(COMPONENT.clientSelector), ports: selectorGrpc },
      // It is given MODEL_MANAGER_ADDRESS.
      { from: me, to: platformPeer(COMPONENT.modelManager), ports: tcp(built(modelManagerComponent).service.port('http')) },
      databaseFlow(me, databaseEndpoint(built(databaseComponent))),
      // The Kubernetes API, through its kubectl proxy sidecar.
      apiServerFlow(me, model.networkPolicies.apiServerPorts),
    ];
  },
});
