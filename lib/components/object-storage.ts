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
import { Config } from '../config/schema';
import { resourceName } from '../labels';
import { httpProbes, initContainer, resources, secretEnv, securityContext } from './pod';
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
    const mount = { ...root.mount, mountPath: dataPath };
    singletonDeployment(this, 'Deployment', {
      config,
      name,
      component: 'object-storage',
      pod: {
        initContainers: [initContainer(config, 'format-fs', fsFormatScript(dataPath), [mount], true)],
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
            volumeMounts: [mount],
          },
        ],
        volumes: [root.volume],
      },
    });
  }
}

/** MinIO's format file that makes a folder an FS-mode (plain files) store. */
export function fsFormatJson(id: string): string {
  return JSON.stringify({ version: '1', format: 'fs', id, fs: { version: '2' } });
}

/**
 * A shell script that writes the FS format file into `dataPath` when the
 * folder has none, and fails with a message when it was formatted otherwise.
 */
export function fsFormatScript(dataPath: string): string {
  const file = `${dataPath}/.minio.sys/format.json`;
  return [
    'set -eu',
    `f=${file}`,
    'if [ -f "$f" ]; then',
    '  if grep -q \'"format":"fs"\' "$f"; then echo "$f: filesystem mode"; exit 0; fi',
    '  echo "$f is not in filesystem (fs) mode: MinIO would store uploads as <key>/xl.meta folders that the platform cannot read."',
    `  echo "Move the objects out, remove ${dataPath}/.minio.sys (its host folder under sharedRoot.hostPath) and restart this pod."`,
    '  exit 1',
    'fi',
    `mkdir -p ${dataPath}/.minio.sys`,
    `printf '%s' "${fsFormatJson('$(cat /proc/sys/kernel/random/uuid)').replace(/"/g, '\\"')}" > "$f.tmp"`,
    'mv "$f.tmp" "$f"',
    'echo "$f: created (filesystem mode)"',
  ].join('\n');
}
