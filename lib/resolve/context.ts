/**
 * What every construct of the platform shares: names, labels, the namespace
 * and the images of the helper containers. Built once from the config
 * ({@link platformContext}); constructs receive it instead of the whole config.
 */
import { Config, Resources } from '../config/schema';

/** Image settings shared by every pod. */
export interface PlatformImages {
  /** Registry of the platform's own images (`<registry>/<upstream name>:<tag>`). */
  readonly registry: string;
  /** Tag of the platform's own images. */
  readonly tag: string;
  /** Digest of a platform image by upstream name, appended to its default reference (`<registry>/<name>:<tag>@<digest>`). */
  readonly digests: Readonly<Record<string, string>>;
  /** imagePullPolicy of every container. */
  readonly pullPolicy: 'IfNotPresent' | 'Always' | 'Never';
  /** imagePullSecrets (Secret names in the platform namespace) of every pod. */
  readonly pullSecrets: readonly string[];
  /** Image of the small init containers (wait for dependencies, create folders). */
  readonly busybox: string;
  /** Image of the `kubectl proxy` sidecar and the set-up Jobs. */
  readonly kubectl: string;
  /** Image of the task managers' TLS tunnel (stock nginx). */
  readonly nginx: string;
}

/** The in-pod Kubernetes API proxy of the programs that call the API. */
export interface ApiProxySettings {
  /** Loopback port of the `kubectl proxy` sidecar. */
  readonly port: number;
  /**
   * Resources of the sidecar.
   * @default 10m/32Mi requested, 200m/128Mi limit
   */
  readonly resources?: Resources;
}

/** The settings every construct of one platform instance shares. */
export interface PlatformContext {
  /** Instance name: the prefix of every resource name and `app.kubernetes.io/instance`. */
  readonly name: string;
  /** Namespace of the platform's namespaced objects. */
  readonly namespace: string;
  /** Version of the platform (`app.kubernetes.io/version`). */
  readonly version: string;
  /** Image settings shared by every pod. */
  readonly images: PlatformImages;
  /** The in-pod Kubernetes API proxy. */
  readonly apiProxy: ApiProxySettings;
}

/** The context of the platform a validated config describes. */
export function platformContext(config: Config): PlatformContext {
  const { registry, tag, digests, pullPolicy, pullSecrets, busybox, kubectl, nginx } = config.images;
  return {
    name: config.name,
    namespace: config.namespace,
    version: config.version,
    images: { registry, tag, digests, pullPolicy, pullSecrets, busybox, kubectl, nginx },
    apiProxy: config.apiProxy,
  };
}
