/**
 * The job scheduler: the HTTP API of jobs. It creates a coordinator Pod and
 * Service per job in namespace `default`, registers coordinator routes with
 * the proxy and hands its own and the selector's address to coordinators.
 */
import { Construct } from 'constructs';
import { platformImage } from '../images';
import { apiProxySidecar, roleNames, WORKLOAD_NAMESPACE } from './api-access';
import { clientSelectorComponent } from './client-selector';
import { databaseEnv, DatabaseConnection } from './database';
import { defineComponent } from './define';
import { modelManagerComponent } from './model-manager';
import { env, httpProbes, secretEnv, SecretKeyRef, securityContext, waitForTcp } from './pod';
import { proxyComponent } from './proxy';
import { SharedRoot } from './shared-root';
import { ComponentProps, ProgramService, ProgramWorkload } from './workload';

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
}

/** The job scheduler: Deployment, Service, ServiceAccount and its bindings. */
export class JobScheduler extends Construct {
  /** The Service other components address it by. */
  public readonly service: ProgramService;

  constructor(scope: Construct, id: string, props: JobSchedulerProps) {
    super(scope, id);
    const { context, root, db } = props;
    const api = apiProxySidecar(context);
    const workload = new ProgramWorkload(this, 'Workload', {
      context,
      component: 'job-scheduler',
      ports: [{ name: 'http', port: props.port }],
      identity: { role: roleNames(context).jobScheduler },
      image: platformImage(context, jobSchedulerComponent.image, props.image),
      resources: props.resources,
      defaultResources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      sidecars: [api.container],
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
            COORDINATOR_IMAGE: platformImage(context, 'nsfl-coordinator', props.coordinatorImage),
            CLOUD_OS: 'k8s',
            DEPLOYMENT_WAY: 'cloud',
          }),
          ...api.env,
          secretEnv('TOKEN', props.routeToken),
          ...databaseEnv(db, 'jobScheduler'),
          ...env(props.env ?? {}),
        ],
        ...httpProbes('/api/v1/health', props.port),
        securityContext: securityContext({ root: true }),
        volumeMounts: [root.mount],
      }),
      pod: {
        // It dials coordinators (Services in `default`) by bare name with its own resolver.
        ...(context.namespace === WORKLOAD_NAMESPACE ? {} : { dnsConfig: { searches: [`${WORKLOAD_NAMESPACE}.svc.cluster.local`] } }),
        initContainers: [root.prepareContainer(), ...(db.waitAddress ? [waitForTcp(context, 'database', db.waitAddress)] : [])],
        volumes: [root.volume, ...api.volumes],
      },
    });
    this.service = workload.service;
  }
}

/** The job scheduler in the registry. */
export const jobSchedulerComponent = defineComponent({
  name: 'job-scheduler',
  image: 'nsfl-job-scheduler',
  configKey: 'jobScheduler',
  build: (scope, { config, context, secrets, database, root, built }) =>
    new JobScheduler(scope, 'JobScheduler', {
      context,
      ...config.jobScheduler,
      coordinatorImage: config.images.coordinator,
      db: database,
      root,
      selector: built(clientSelectorComponent).service,
      modelManager: built(modelManagerComponent).service,
      proxy: built(proxyComponent).service,
      routeToken: secrets.routeToken,
    }),
});
