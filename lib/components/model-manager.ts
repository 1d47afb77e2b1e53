/**
 * The model manager: an HTTP service storing models on the shared root
 * (posix) or an S3 endpoint, with metadata in the database.
 */
import { Construct } from 'constructs';
import { platformImage } from '../images';
import { databaseClientFiles, databaseEnv, DatabaseConnection } from '../blocks/database-client';
import { defineComponent } from '../blocks/define';
import { COMPONENT } from '../labels';
import { ANYWHERE, databaseFlow, platformPeer, tcp, urlPort } from '../network/flows';
import { databaseComponent, databaseEndpoint } from './database';
import { env, httpProbes, podVolumes, secretEnv, securityContext, waitForTcp } from '../blocks/pod';
import { SharedRoot } from '../blocks/shared-root';
import { ComponentProps, ProgramService, ProgramWorkload } from '../blocks/workload';

/** An S3 endpoint the models are stored at. */
export interface ModelS3Storage {
  /** Endpoint URL (`STORAGE_ENDPOINT`). */
  readonly endpoint: string;
  /** The Secret holding the access and secret key. */
  readonly credentials: {
    /** Secret name in the platform namespace. */
    readonly name: string;
    /** Key of the access key. */
    readonly accessKeyKey: string;
    /** Key of the secret key. */
    readonly secretKeyKey: string;
  };
}

/** Props of {@link ModelManager}. */
export interface ModelManagerProps extends ComponentProps {
  /** HTTP port (`PORT`). */
  readonly port: number;
  /** Log level (`LOG_LEVEL`). */
  readonly logLevel: string;
  /**
   * Store models at an S3 endpoint.
   * @default files under the shared root's models folder (posix)
   */
  readonly s3?: ModelS3Storage;
  /** The database connection (model metadata). */
  readonly db: DatabaseConnection;
  /** The shared root. */
  readonly root: SharedRoot;
}

/** The model manager: Deployment and Service. */
export class ModelManager extends Construct {
  /** The Service other components address it by. */
  public readonly service: ProgramService;

  constructor(scope: Construct, id: string, props: ModelManagerProps) {
    super(scope, id);
    const { context, root, db, s3 } = props;
    const files = podVolumes([root, ...databaseClientFiles(db, 'modelManager')]);
    this.service = new ProgramWorkload(this, 'Workload', {
      context,
      component: COMPONENT.modelManager,
      ports: [{ name: 'http', port: props.port }],
      image: platformImage(context, modelManagerComponent.image, props.image),
      resources: props.resources,
      defaultResources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      container: {
        env: [
          ...env({
            PORT: props.port,
            LOG_LEVEL: props.logLevel,
            WORKSPACE: SharedRoot.MOUNT_PATH,
            MODELS_DIR: root.modelsDir,
            STORAGE_TYPE: s3 ? 's3' : 'posix',
            ...(s3 ? { STORAGE_ENDPOINT: s3.endpoint } : {}),
          }),
          ...(s3
            ? [
                secretEnv('ACCESS_KEY', { name: s3.credentials.name, key: s3.credentials.accessKeyKey }),
                secretEnv('SECRET_KEY', { name: s3.credentials.name, key: s3.credentials.secretKeyKey }),
              ]
            : []),
          ...databaseEnv(db, 'modelManager'),
          ...env(props.env ?? {}),
        ],
        ...httpProbes('/api/v1/health', props.port),
        securityContext: securityContext({ root: true }),
        volumeMounts: files.volumeMounts,
      },
      pod: {
        initContainers: [root.prepareContainer(), ...(db.waitAddress ? [waitForTcp(context, 'database', db.waitAddress)] : [])],
        volumes: files.volumes,
      },
    }).service;
  }
}

/** The model manager in the registry. */
export const modelManagerComponent = defineComponent({
  name: COMPONENT.modelManager,
  image: 'nsfl-model-manager',
  configKey: 'modelManager',
  build: (scope, { model: { context, modelStorage, sections }, root, built }) =>
    new ModelManager(scope, 'ModelManager', {
      context,
      ...sections.modelManager,
      s3: modelStorage.type === 's3' ? modelStorage.s3 : undefined,
      db: built(databaseComponent).connection,
      root,
    }),
  flows: (_, { model, built }) => {
    const mm = platformPeer(COMPONENT.modelManager);
    return [
      databaseFlow(mm, databaseEndpoint(built(databaseComponent))),
      ...(model.modelStorage.type === 's3' ? [{ from: mm, to: ANYWHERE, ports: tcp(urlPort(model.modelStorage.s3!.endpoint)) }] : []),
    ];
  },
});
