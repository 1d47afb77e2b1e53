/**
 * The job scheduler: the HTTP API of jobs. It creates a coordinator Pod and
 * Service per job in namespace `default`, registers coordinator routes with
 * the proxy and hands its own and the selector's address to coordinators.
 */
import { Construct } from 'constructs';
import { Config } from '../config/schema';
import { platformImage } from '../images';
import { resourceName } from '../labels';
import { apiProxySidecar, ProgramIdentity, roleNames, WORKLOAD_NAMESPACE } from './api-access';
import { databaseEnv, DatabaseConnection } from './database';
import { env, httpProbes, resources, secretEnv, SecretKeyRef, securityContext, waitForTcp } from './pod';
import { SharedRoot } from './shared-root';
import { ProgramService, singletonDeployment } from './workload';

/** What the job scheduler is wired to. */
export interface JobSchedulerDeps {
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

  constructor(scope: Construct, id: string, config: Config, deps: JobSchedulerDeps) {
    super(scope, id);
    const c = config.jobScheduler;
    const name = resourceName(config, 'job-scheduler');
    this.service = new ProgramService(this, 'Service', { config, name, component: 'job-scheduler', ports: [{ name: 'http', port: c.port }] });
    const identity = new ProgramIdentity(this, 'Identity', { config, name, component: 'job-scheduler', role: roleNames(config).jobScheduler });
    const api = apiProxySidecar(config);

    singletonDeployment(this, 'Deployment', {
      config,
      name,
      component: 'job-scheduler',
      pod: {
        serviceAccountName: identity.serviceAccountName,
        automountServiceAccountToken: true,
        // It dials coordinators (Services in `default`) by bare name with its own resolver.
        ...(config.namespace === WORKLOAD_NAMESPACE ? {} : { dnsConfig: { searches: [`${WORKLOAD_NAMESPACE}.svc.cluster.local`] } }),
        initContainers: [
          deps.root.prepareContainer(),
          ...(deps.db.waitAddress ? [waitForTcp(config, 'database', deps.db.waitAddress)] : []),
        ],
        containers: [
          api.container,
          {
            name: 'job-scheduler',
            image: platformImage(config, 'nsfl-job-scheduler', c.image),
            imagePullPolicy: config.images.pullPolicy,
            ports: this.service.containerPorts(),
            env: [
              ...env({
                HTTP_PORT: c.port,
                LOG_LEVEL: c.logLevel,
                JOB_SCHEDULER_ADDRESS: this.service.address('http'),
                SELECTOR_ADDRESS: deps.selector.address('grpc'),
                MODEL_MANAGER_ADDRESS: deps.modelManager.address('http'),
                PROXY_ADDRESS: deps.proxy.address('http'),
                SOURCE_MOUNT_PATH: deps.root.hostPath,
                WORKSPACE: SharedRoot.MOUNT_PATH,
                TEMP_DIR: config.sharedRoot.coordinatorConfigsDir,
                COORDINATOR_IMAGE: platformImage(config, 'nsfl-coordinator', config.images.coordinator),
                CLOUD_OS: 'k8s',
                DEPLOYMENT_WAY: 'cloud',
              }),
              ...api.env,
              secretEnv('TOKEN', deps.routeToken),
              ...databaseEnv(deps.db, 'jobScheduler'),
              ...env(c.env),
            ],
            ...httpProbes('/api/v1/health', c.port),
            resources: resources(c.resources, { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } }),
            securityContext: securityContext({ root: true }),
            volumeMounts: [deps.root.mount],
          },
        ],
        volumes: [deps.root.volume, ...api.volumes],
      },
    });
  }
}
