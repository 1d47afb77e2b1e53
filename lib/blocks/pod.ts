/**
 * Building blocks every workload of the platform shares: hardened
 * containers, probes, environment, volumes made with their mounts (host
 * paths, scratch space), the config checksum that rolls a pod, and the init
 * containers that wait for dependencies.
 */
import { createHash } from 'crypto';
import { k8s } from 'cdk8s-plus-28';
import { splitHostPort } from '../config/addresses';
import { quantityValue } from '../config/k8s-rules';
import { Resources } from '../config/schema';
import { defaultPullPolicy } from '../images';
import type { PlatformContext } from '../resolve/context';

/** A key of a Secret, referenced (never copied) by environment variables. */
export interface SecretKeyRef {
  /** Secret name in the platform namespace. */
  readonly name: string;
  /** Key inside the Secret. */
  readonly key: string;
}

/** Options of {@link securityContext}. */
export interface SecurityOptions {
  /** The image runs as root (the platform's own images do). Default: false. */
  readonly root?: boolean;
  /** User id to run as when not root. */
  readonly user?: number;
  /** Capabilities the image really needs; everything else is dropped. */
  readonly add?: readonly string[];
  /** Mount the root filesystem read-only. Default: false. */
  readonly readOnlyRoot?: boolean;
}

/**
 * A container securityContext: no privilege escalation, capabilities dropped. Seccomp RuntimeDefault is the pod's
 * ({@link podDefaults}), which every container inherits, and a container is unprivileged unless it says otherwise:
 * neither is repeated per container (every edge node's file carries three containers).
 */
export function securityContext(opts: SecurityOptions = {}): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'], ...(opts.add && opts.add.length > 0 ? { add: [...opts.add] } : {}) },
    readOnlyRootFilesystem: opts.readOnlyRoot ?? false,
    ...(opts.root ? { runAsNonRoot: false, runAsUser: 0 } : { runAsNonRoot: true, runAsUser: opts.user ?? 65534 }),
  };
}

/**
 * Resources from config, falling back to a component's defaults field by
 * field. A default never conflicts with a configured value: a default limit
 * below the configured request is raised to it, a default request above the
 * configured limit is lowered to it (a request may not exceed its limit).
 */
export function resources(fromConfig: Resources | undefined, defaults: Resources): k8s.ResourceRequirements {
  const requests: Record<string, k8s.Quantity> = {};
  const limits: Record<string, k8s.Quantity> = {};
  for (const key of ['cpu', 'memory'] as const) {
    const [setReq, setLim] = [fromConfig?.requests?.[key], fromConfig?.limits?.[key]];
    let req = setReq ?? defaults.requests?.[key];
    let lim = setLim ?? defaults.limits?.[key];
    if (req !== undefined && lim !== undefined && quantityValue(req)! > quantityValue(lim)!) {
      if (setLim === undefined) lim = req;
      else if (setReq === undefined) req = lim;
    }
    if (req !== undefined) requests[key] = k8s.Quantity.fromString(String(req));
    if (lim !== undefined) limits[key] = k8s.Quantity.fromString(String(lim));
  }
  return { requests, limits };
}

/** Plain environment variables from a record, in the record's order. */
export function env(vars: Record<string, string | number>): k8s.EnvVar[] {
  return Object.entries(vars).map(([name, value]) => ({ name, value: String(value) }));
}

/** An environment variable read from a Secret key. */
export function secretEnv(name: string, ref: SecretKeyRef): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}

/** A TCP probe pair (gRPC components register no health service). */
export function tcpProbes(port: number): Pick<k8s.Container, 'readinessProbe' | 'livenessProbe'> {
  const action = { tcpSocket: { port: k8s.IntOrString.fromNumber(port) } };
  return {
    readinessProbe: { ...action, initialDelaySeconds: 5 },
    livenessProbe: { ...action, initialDelaySeconds: 30, periodSeconds: 20, failureThreshold: 6 },
  };
}

/** An HTTP GET probe pair on a health endpoint. */
export function httpProbes(path: string, port: number): Pick<k8s.Container, 'readinessProbe' | 'livenessProbe'> {
  const action = { httpGet: { path, port: k8s.IntOrString.fromNumber(port) } };
  return {
    readinessProbe: { ...action, initialDelaySeconds: 5 },
    livenessProbe: { ...action, initialDelaySeconds: 30, periodSeconds: 20, failureThreshold: 6 },
  };
}

/**
 * A pod's volume and a container's mount of it, made together so that no
 * mount lacks its volume; {@link podVolumes} lays a list of them out.
 */
export interface MountedVolume {
  /** The pod's volume. */
  readonly volume: k8s.Volume;
  /** The container's mount of it. */
  readonly mount: k8s.VolumeMount;
}

/**
 * A pod's volume that the container does not mount (another container of
 * the pod does, such as a sidecar's own), listed among the container's
 * {@link MountedVolume}s where it comes in the pod's `volumes`.
 */
export interface UnmountedVolume {
  /** The pod's volume. */
  readonly volume: k8s.Volume;
  /** Never set: the container does not mount it. */
  readonly mount?: undefined;
}

/**
 * A pod's `volumes` and a container's `volumeMounts`, each in the order of
 * `entries`: every entry's volume, and the mount of each one the container mounts.
 */
export function podVolumes(entries: readonly (MountedVolume | UnmountedVolume)[]): { volumes: k8s.Volume[]; volumeMounts: k8s.VolumeMount[] } {
  return {
    volumes: entries.map((e) => e.volume),
    volumeMounts: entries.flatMap((e) => (e.mount === undefined ? [] : [e.mount])),
  };
}

/** A hostPath volume and the mount that shows it at `mountPath` (the host path itself by default). */
export function hostPathVolume(name: string, path: string, type: 'Directory' | 'DirectoryOrCreate', mountPath: string = path): MountedVolume {
  return { volume: { name, hostPath: { path, type } }, mount: { name, mountPath } };
}

/** An emptyDir volume for scratch space such as /tmp. */
export function emptyDirVolume(name: string, mountPath: string): MountedVolume {
  return { volume: { name, emptyDir: {} }, mount: { name, mountPath } };
}

/** Annotation on a pod template that changes (and so rolls the pod) when its config files change. */
export const CHECKSUM_ANNOTATION = 'checksum/config';

/** A short, stable content hash of config files. */
export function checksum(...texts: string[]): string {
  const h = createHash('sha256');
  for (const t of texts) h.update(t).update('\0');
  return h.digest('hex');
}

/**
 * Keeps a cloud workload off KubeEdge edge nodes, which lack the shared root
 * and cluster networking, and on nodes carrying `nodeLabels`.
 */
export function cloudOnlyAffinity(nodeLabels: Record<string, string> = {}): k8s.Affinity {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          {
            matchExpressions: [
              { key: 'node-role.kubernetes.io/edge', operator: 'DoesNotExist' },
              ...Object.entries(nodeLabels).map(([key, value]) => ({ key, operator: 'In', values: [value] })),
            ],
          },
        ],
      },
    },
  };
}

/**
 * A container's image and `images.pullPolicy`, left out where Kubernetes gives the image that policy anyway (a
 * tagged image's `IfNotPresent`): every container of every node's file would repeat it.
 */
export function imageOf(context: PlatformContext, image: string): Pick<k8s.Container, 'image' | 'imagePullPolicy'> {
  const policy = context.images.pullPolicy;
  return policy === defaultPullPolicy(image) ? { image } : { image, imagePullPolicy: policy };
}

/** imagePullSecrets of the platform's pods. */
function pullSecrets(context: PlatformContext): k8s.LocalObjectReference[] | undefined {
  return context.images.pullSecrets.length > 0 ? context.images.pullSecrets.map((name) => ({ name })) : undefined;
}

/** Resources of the small busybox containers. */
const INIT_RESOURCES: Resources = { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } };

/**
 * A small busybox container that runs a shell script: an init container, or
 * a sidecar loop such as those that load renewed certificates.
 */
export function initContainer(context: PlatformContext, name: string, script: string, mounts?: k8s.VolumeMount[], root = false): k8s.Container {
  return {
    name,
    ...imageOf(context, context.images.busybox),
    command: ['sh', '-c', script],
    resources: resources(undefined, INIT_RESOURCES),
    securityContext: securityContext({ root, readOnlyRoot: !root }),
    ...(mounts && mounts.length > 0 ? { volumeMounts: mounts } : {}),
  };
}

/**
 * An init container that waits until `address` (host:port) accepts TCP
 * connections, so a program that connects once at start does not crash-loop.
 */
export function waitForTcp(context: PlatformContext, what: string, address: string): k8s.Container {
  return initContainer(context, `wait-for-${what}`, waitForTcpScript(what, address));
}

/** The shell loop of {@link waitForTcp}: until `address` (host:port) accepts TCP connections, say so every 2 s. */
function waitForTcpScript(what: string, address: string): string {
  const [host, port] = splitHostPort(address);
  return `until nc -w 2 ${host} ${port} </dev/null >/dev/null 2>&1; do echo "waiting for ${what} at ${address}"; sleep 2; done`;
}

/**
 * Shell commands that wait for each service in turn with {@link waitForTcp}'s loop and messages, written once as the
 * function `wait_for WHAT HOST PORT` (one script that waits for several services repeats only the calls).
 */
export function waitForTcpAll(waits: readonly { readonly what: string; readonly address: string }[]): string[] {
  if (waits.length === 0) return [];
  return [`wait_for() { ${waitForTcpScript('$1', '$2:$3')}; }`, ...waits.map((w) => `wait_for ${w.what} ${splitHostPort(w.address).join(' ')}`)];
}

/** Pod-level settings every platform pod shares. */
export function podDefaults(context: PlatformContext): Pick<k8s.PodSpec, 'enableServiceLinks' | 'imagePullSecrets' | 'securityContext'> {
  return {
    enableServiceLinks: false,
    imagePullSecrets: pullSecrets(context),
    securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
  };
}

/**
 * A container running the configured kubectl image, non-root with a read-only root and a scratch HOME,
 * and the pod volumes it mounts: its HOME, then `extra`.
 */
export function kubectlContainer(
  context: PlatformContext,
  name: string,
  command: string[],
  defaults: Resources,
  fromConfig?: Resources,
  extra: readonly MountedVolume[] = [],
): { container: k8s.Container; volumes: k8s.Volume[] } {
  const home = emptyDirVolume(`${name}-home`, '/home/kubectl');
  const { volumes, volumeMounts } = podVolumes([home, ...extra]);
  return {
    container: {
      name,
      ...imageOf(context, context.images.kubectl),
      command,
      env: env({ HOME: home.mount.mountPath }),
      resources: resources(fromConfig, defaults),
      securityContext: securityContext({ readOnlyRoot: true }),
      volumeMounts,
    },
    volumes,
  };
}
