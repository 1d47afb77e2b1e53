/**
 * The S3 endpoint users upload job files and models to. The platform reads
 * them as plain files at <shared root>/<bucket>/<key>, so the endpoint must
 * store buckets as top-level folders of the shared root: MinIO in its legacy
 * filesystem (FS) mode, serving the root itself. Releases from mid-2022 on
 * format a fresh folder as a single-drive erasure set instead (objects become
 * `<key>/xl.meta` folders); the last releases that still run FS mode do so
 * only when `.minio.sys/format.json` already says `fs`, so an init container
 * writes that file before MinIO's first start, and refuses to go on when the
 * folder was already formatted otherwise. An external endpoint can be named
 * instead.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { defineComponent } from '../blocks/define';
import { renderFsFormatScript } from '../render/minio-format';
import { httpProbes, initContainer, secretEnv, SecretKeyRef, securityContext } from '../blocks/pod';
import { SharedRoot } from '../blocks/shared-root';
import { ComponentProps, ProgramService, ProgramWorkload } from '../blocks/workload';
import { COMPONENT } from '../labels';
import { ANYWHERE, platformPeer, tcp } from '../network/flows';
import { secretsComponent } from './secrets';

/** Props of {@link ObjectStorage}. */
export interface ObjectStorageProps extends Omit<ComponentProps, 'image' | 'env'> {
  /** The MinIO image (a release that still runs filesystem mode). */
  readonly image: string;
  /** Port of the S3 endpoint. */
  readonly port: number;
  /**
   * NodePort of the S3 endpoint (what the CLI uploads to).
   * @default chosen by Kubernetes
   */
  readonly nodePort?: number;
  /** The shared root it serves. */
  readonly root: SharedRoot;
  /**
   * Folders of the shared root (relative paths) it must not serve, such as
   * the coordinators' certificate folders: each is covered by an empty,
   * read-only folder in its container.
   * @default none
   */
  readonly hiddenFolders?: readonly string[];
  /** Access and secret key (`MINIO_ROOT_USER`, `MINIO_ROOT_PASSWORD`). */
  readonly credentials: { readonly accessKey: SecretKeyRef; readonly secretKey: SecretKeyRef };
}

/** The embedded S3 endpoint (only when objectStorage.type is embedded). */
export class ObjectStorage extends Construct {
  /** The Service (NodePort), for uploads from outside the cluster. */
  public readonly service: ProgramService;

  constructor(scope: Construct, id: string, props: ObjectStorageProps) {
    super(scope, id);
    const { context, root } = props;
    const dataPath = '/data';
    const mount = { ...root.mount, mountPath: dataPath };
    const hidden = props.hiddenFolders ?? [];
    this.service = new ProgramWorkload(this, 'Workload', {
      context,
      component: COMPONENT.objectStorage,
      serviceType: 'NodePort',
      ports: [{ name: 's3', port: props.port, nodePort: props.nodePort }],
      image: props.image,
      containerName: 'minio',
      resources: props.resources,
      defaultResources: { requests: { cpu: '50m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      container: {
        args: ['server', dataPath, '--address', `:${props.port}`],
        env: [secretEnv('MINIO_ROOT_USER', props.credentials.accessKey), secretEnv('MINIO_ROOT_PASSWORD', props.credentials.secretKey)],
        ...httpProbes('/minio/health/live', props.port),
        // Writes the platform's files as root, like the programs that read them.
        securityContext: securityContext({ root: true }),
        volumeMounts: [mount, ...hidden.map((f) => ({ name: 'hidden', mountPath: `${dataPath}/${f}`, readOnly: true }))],
      },
      pod: {
        initContainers: [initContainer(context, 'format-fs', renderFsFormatScript(dataPath), [mount], true)],
        volumes: [root.volume, ...(hidden.length > 0 ? [{ name: 'hidden', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Mi') } }] : [])],
      },
    }).service;
  }
}

/** The object storage in the registry: built when `objectStorage.type` is embedded. */
export const objectStorageComponent = defineComponent({
  name: COMPONENT.objectStorage,
  build: (scope, { model, root, built }) => {
    const { context, tls, objectStorage: o } = model;
    if (o.type !== 'embedded') return undefined;
    return new ObjectStorage(scope, 'ObjectStorage', {
      context,
      image: model.images.minio,
      port: o.port,
      nodePort: o.nodePort,
      resources: o.resources,
      root,
      credentials: built(secretsComponent).objectStorage,
      // The coordinators' private keys are files of the shared root: never served as objects.
      hiddenFolders: tls ? model.namespaces.map((ns) => `${ns}/${tls.coordinatorFolder}`) : [],
    });
  },
  // The S3 endpoint users upload to (the CLI, through its NodePort).
  flows: (storage) => [{ from: ANYWHERE, to: platformPeer(COMPONENT.objectStorage), ports: tcp(storage.service.port('s3')) }],
});
