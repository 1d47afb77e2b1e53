/**
 * The model manager: an HTTP service storing models on the shared root
 * (posix) or an S3 endpoint, with metadata in the database.
 */
import { Construct } from 'constructs';
import { Config } from '../config/schema';
import { platformImage } from '../images';
import { resourceName } from '../labels';
import { databaseEnv, DatabaseConnection } from './database';
import { env, httpProbes, resources, secretEnv, securityContext, waitForTcp } from './pod';
import { SharedRoot } from './shared-root';
import { ProgramService, singletonDeployment } from './workload';

/** The model manager: Deployment and Service. */
export class ModelManager extends Construct {
  /** The Service other components address it by. */
  public readonly service: ProgramService;

  constructor(scope: Construct, id: string, config: Config, db: DatabaseConnection, root: SharedRoot) {
    super(scope, id);
    const c = config.modelManager;
    const name = resourceName(config, 'model-manager');
    this.service = new ProgramService(this, 'Service', { config, name, component: 'model-manager', ports: [{ name: 'http', port: c.port }] });

    const s3 = config.modelStorage.type === 's3' ? config.modelStorage.s3 : undefined;
    singletonDeployment(this, 'Deployment', {
      config,
      name,
      component: 'model-manager',
      pod: {
        initContainers: [root.prepareContainer(), ...(db.waitAddress ? [waitForTcp(config, 'database', db.waitAddress)] : [])],
        containers: [
          {
            name: 'model-manager',
            image: platformImage(config, 'nsfl-model-manager', c.image),
            imagePullPolicy: config.images.pullPolicy,
            ports: this.service.containerPorts(),
            env: [
              ...env({
                PORT: c.port,
                LOG_LEVEL: c.logLevel,
                WORKSPACE: SharedRoot.MOUNT_PATH,
                MODELS_DIR: config.sharedRoot.modelsDir,
                STORAGE_TYPE: config.modelStorage.type,
                ...(s3 ? { STORAGE_ENDPOINT: s3.endpoint } : {}),
              }),
              ...(s3
                ? [
                    secretEnv('ACCESS_KEY', { name: s3.credentials.name, key: s3.credentials.accessKeyKey }),
                    secretEnv('SECRET_KEY', { name: s3.credentials.name, key: s3.credentials.secretKeyKey }),
                  ]
                : []),
              ...databaseEnv(db, 'modelManager'),
              ...env(c.env),
            ],
            ...httpProbes('/api/v1/health', c.port),
            resources: resources(c.resources, { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi' } }),
            securityContext: securityContext({ root: true }),
            volumeMounts: [root.mount],
          },
        ],
        volumes: [root.volume],
      },
    });
  }
}
