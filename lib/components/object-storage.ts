/**
 * The S3 endpoint users upload job files and models to. The platform reads
 * them as plain files at <shared root>/<bucket>/<key>, so the endpoint must
 * store buckets as top-level folders of the shared root: MinIO in its
 * filesystem mode, serving the root itself. An external endpoint can be
 * named instead.
 */
import { Construct } from 'constructs';
import { Config } from '../config/schema';
import { resourceName } from '../labels';
import { httpProbes, resources, secretEnv, securityContext } from './pod';
import { SharedRoot } from './shared-root';
import { ProgramService, singletonDeployment } from './workload';
import { Secrets } from './secrets';

/** The embedded S3 endpoint (only when objectStorage.type is embedded). */
export class ObjectStorage extends Construct {
  /** The Service (NodePort), for uploads from outside the cluster. */
  public readonly service: ProgramService;

  constructor(scope: Construct, id: string, config: Config, root: SharedRoot, secrets: Secrets) {
    super(scope, id);
    const o = config.objectStorage;
    const name = resourceName(config, 'object-storage');
    this.service = new ProgramService(this, 'Service', {
      config,
      name,
      component: 'object-storage',
      type: 'NodePort',
      ports: [{ name: 's3', port: o.port, nodePort: o.nodePort }],
    });
    const dataPath = '/data';
    singletonDeployment(this, 'Deployment', {
      config,
      name,
      component: 'object-storage',
      pod: {
        containers: [
          {
            name: 'minio',
            image: config.images.minio,
            imagePullPolicy: config.images.pullPolicy,
            args: ['server', dataPath, '--address', `:${o.port}`],
            ports: this.service.containerPorts(),
            env: [secretEnv('MINIO_ROOT_USER', secrets.objectStorage.accessKey), secretEnv('MINIO_ROOT_PASSWORD', secrets.objectStorage.secretKey)],
            ...httpProbes('/minio/health/live', o.port),
            resources: resources(o.resources, { requests: { cpu: '50m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } }),
            // Writes the platform's files as root, like the programs that read them.
            securityContext: securityContext({ root: true }),
            volumeMounts: [{ ...root.mount, mountPath: dataPath }],
          },
        ],
        volumes: [root.volume],
      },
    });
  }
}
