/**
 * The shapes every platform component is made of: a singleton Deployment
 * (one replica, Recreate: every program keeps state in memory or opens files
 * without locking), a Service that owns its ports, and {@link ProgramWorkload},
 * which puts the two together around the program's main container.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { Resources } from '../config/schema';
import { labels, resourceName, selectorLabels } from '../labels';
import { ProgramIdentity } from './api-access';
import type { PlatformContext } from '../resolve/context';
import { CHECKSUM_ANNOTATION, checksum, cloudOnlyAffinity, imageOf, podDefaults, resources } from './pod';

/** Throws, naming the construct and the prop, unless `port` is a TCP port number (for constructs used as a library). */
export function checkPort(construct: Construct, prop: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${construct.node.path}: ${prop} is ${port}, expected an integer from 1 to 65535`);
  }
}

/** Props of {@link singletonDeployment}. */
export interface SingletonProps {
  /** Names, labels and pod defaults of the platform instance. */
  readonly context: PlatformContext;
  /** Deployment name. */
  readonly name: string;
  /** Component label. */
  readonly component: string;
  /**
   * Site label (task managers).
   * @default no site label
   */
  readonly site?: string;
  /** The pod spec; platform-wide pod settings are added. */
  readonly pod: k8s.PodSpec;
  /**
   * Config files whose content hash rolls the pod when they change.
   * @default no checksum annotation
   */
  readonly configFiles?: readonly string[];
  /**
   * Keep the pod on cloud nodes; edge task managers pin themselves instead.
   * @default true
   */
  readonly cloudOnly?: boolean;
  /**
   * Labels the cloud node must carry (e.g. the cloud task manager's cluster label).
   * @default none
   */
  readonly nodeLabels?: Record<string, string>;
  /**
   * The program's container, which `kubectl logs` and `kubectl exec` pick when
   * the pod has sidecars and none is named.
   * @default the first container
   */
  readonly mainContainer?: string;
}

/** Pod annotation: the container kubectl picks when none is named. */
const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/** A one-replica Deployment with the Recreate strategy and selectors on stable labels only. */
export function singletonDeployment(scope: Construct, id: string, props: SingletonProps): k8s.KubeDeployment {
  const { context, name, component, site } = props;
  const annotations = {
    ...(props.configFiles && props.configFiles.length > 0 ? { [CHECKSUM_ANNOTATION]: checksum(...props.configFiles) } : {}),
    ...(props.mainContainer !== undefined && props.pod.containers.length > 1 ? { [DEFAULT_CONTAINER_ANNOTATION]: props.mainContainer } : {}),
  };
  return new k8s.KubeDeployment(scope, id, {
    metadata: { name, namespace: context.namespace, labels: labels(context, component, site) },
    spec: {
      replicas: 1,
      revisionHistoryLimit: 3,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selectorLabels(context, component, site) },
      template: {
        metadata: { labels: labels(context, component, site), ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
        spec: {
          ...podDefaults(context),
          automountServiceAccountToken: false,
          ...(props.cloudOnly === false ? {} : { affinity: cloudOnlyAffinity(props.nodeLabels) }),
          ...props.pod,
        },
      },
    },
  });
}

/** One port of a Service. */
export interface ServicePort {
  /** Port name (also the container port name). */
  readonly name: string;
  /** The port number (Service port = container port). */
  readonly port: number;
  /**
   * NodePort, for NodePort Services.
   * @default chosen by Kubernetes
   */
  readonly nodePort?: number;
}

/** Props of {@link ProgramService}. */
export interface ProgramServiceProps {
  /** Names, labels and namespace of the platform instance. */
  readonly context: PlatformContext;
  /** Service name. */
  readonly name: string;
  /** Component label (selects the component's pods). */
  readonly component: string;
  /**
   * Site label (task managers).
   * @default no site label
   */
  readonly site?: string;
  /** Ports. */
  readonly ports: readonly ServicePort[];
  /**
   * Service type.
   * @default 'ClusterIP'
   */
  readonly type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /**
   * External IPs.
   * @default none
   */
  readonly externalIPs?: readonly string[];
  /**
   * Annotations (e.g. for a cloud load balancer).
   * @default none
   */
  readonly annotations?: Record<string, string>;
}

/** A Service that owns its name and ports; consumers derive addresses from it. */
export class ProgramService extends Construct {
  /** Service name. */
  public readonly name: string;
  /** `name.namespace.svc`, resolvable from any namespace (coordinators run in `default`). */
  public readonly dnsName: string;
  /** `name.namespace.svc.cluster.local`, for resolvers without a search list (nginx). */
  public readonly fqdn: string;
  /** Every name the Service resolves by, short to fully qualified (a certificate's host names). */
  public readonly hostNames: readonly string[];
  private readonly ports: Map<string, number>;

  constructor(scope: Construct, id: string, props: ProgramServiceProps) {
    super(scope, id);
    const { context } = props;
    this.name = props.name;
    this.dnsName = `${props.name}.${context.namespace}.svc`;
    this.fqdn = `${this.dnsName}.cluster.local`;
    this.hostNames = [props.name, `${props.name}.${context.namespace}`, this.dnsName, this.fqdn];
    this.ports = new Map(props.ports.map((p) => [p.name, p.port]));
    new k8s.KubeService(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: context.namespace,
        labels: labels(context, props.component, props.site),
        ...(props.annotations && Object.keys(props.annotations).length > 0 ? { annotations: props.annotations } : {}),
      },
      spec: {
        type: props.type ?? 'ClusterIP',
        selector: selectorLabels(context, props.component, props.site),
        ports: props.ports.map((p) => ({
          name: p.name,
          port: p.port,
          targetPort: k8s.IntOrString.fromString(p.name),
          protocol: 'TCP',
          ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
        })),
        ...(props.externalIPs && props.externalIPs.length > 0 ? { externalIPs: [...props.externalIPs] } : {}),
      },
    });
  }

  /** The port called `name`. */
  public port(name: string): number {
    const port = this.ports.get(name);
    if (port === undefined) throw new Error(`Service ${this.name} has no port named ${name}`);
    return port;
  }

  /** `name.namespace.svc:<port>` of the port called `portName`. */
  public address(portName: string): string {
    return `${this.dnsName}:${this.port(portName)}`;
  }

  /** Container ports matching this Service's ports (same names, same numbers). */
  public containerPorts(): k8s.ContainerPort[] {
    return [...this.ports].map(([name, containerPort]) => ({ name, containerPort, protocol: 'TCP' }));
  }
}

/**
 * What is specific to a program's main container; the name, image, pull
 * policy, ports and resources come from {@link ProgramWorkloadProps}.
 */
export type ProgramContainer = Omit<k8s.Container, 'name' | 'image' | 'imagePullPolicy' | 'ports' | 'resources'>;

/** A second Service for the same pods, reachable from outside the cluster. */
export interface ExternalServiceProps {
  /** Its ports (a subset of the workload's, same names and numbers; NodePorts may be set). */
  readonly ports: readonly ServicePort[];
  /**
   * Service type.
   * @default 'ClusterIP'
   */
  readonly type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /**
   * External IPs.
   * @default none
   */
  readonly externalIPs?: readonly string[];
  /**
   * Annotations (e.g. for a cloud load balancer).
   * @default none
   */
  readonly annotations?: Record<string, string>;
}

/** The ServiceAccount a program runs as, and the roles it is bound to. */
export interface WorkloadIdentityProps {
  /** Role in `default` to bind. */
  readonly role: string;
  /**
   * ClusterRole to bind.
   * @default none
   */
  readonly clusterRole?: string;
}

/** Name of the pod volume that holds the workload's config files ({@link ProgramWorkloadProps.configFiles}). */
export const CONFIG_VOLUME = 'config';

/** Props of {@link ProgramWorkload}. */
export interface ProgramWorkloadProps {
  /** Names, labels and pod defaults of the platform instance. */
  readonly context: PlatformContext;
  /** Component label; also the main container's name. */
  readonly component: string;
  /**
   * Name of the Services, the ConfigMap, the ServiceAccount and the Deployment.
   * @default `<context.name>-<component>`
   */
  readonly name?: string;
  /** The Service's ports; the main container exposes the same names and numbers. */
  readonly ports: readonly ServicePort[];
  /**
   * Service type.
   * @default 'ClusterIP'
   */
  readonly serviceType?: 'ClusterIP' | 'NodePort';
  /**
   * A second Service, `<name>-external`, for clients outside the cluster.
   * @default none
   */
  readonly externalService?: ExternalServiceProps;
  /**
   * Run as a ServiceAccount of its own, bound to these roles, with its token mounted.
   * @default the namespace's default ServiceAccount, no token mounted
   */
  readonly identity?: WorkloadIdentityProps;
  /**
   * Config files (file name → content), in a ConfigMap named like the
   * workload and the pod volume {@link CONFIG_VOLUME}; a change rolls the pod.
   * @default no ConfigMap
   */
  readonly configFiles?: Readonly<Record<string, string>>;
  /** Image of the main container. */
  readonly image: string;
  /**
   * Name of the main container.
   * @default the component
   */
  readonly containerName?: string;
  /**
   * The main container's command, environment, probes, security context and
   * mounts; a function receives the workload's Service (for an environment
   * variable that holds the program's own address).
   */
  readonly container: ProgramContainer | ((service: ProgramService) => ProgramContainer);
  /**
   * Resources set in the config; unset fields fall back to `defaultResources`.
   * @default `defaultResources`
   */
  readonly resources?: Resources;
  /** The component's own resource defaults. */
  readonly defaultResources: Resources;
  /**
   * Containers listed before the main one (they start first).
   * @default none
   */
  readonly sidecars?: readonly k8s.Container[];
  /**
   * The rest of the pod spec (init containers, volumes, DNS).
   * @default platform pod defaults only
   */
  readonly pod?: Omit<k8s.PodSpec, 'containers'>;
}

/**
 * A program of the platform: a Service that owns its ports and a singleton
 * Deployment running the program's main container on those ports, with its
 * config files and its identity when it has them.
 */
export class ProgramWorkload extends Construct {
  /** The Service other components address the program by. */
  public readonly service: ProgramService;
  /** The external Service, when {@link ProgramWorkloadProps.externalService} is set. */
  public readonly externalService?: ProgramService;
  /** Name of the Service and the Deployment. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: ProgramWorkloadProps) {
    super(scope, id);
    if (props.ports.length === 0) throw new Error(`${this.node.path}: props.ports must name at least one port`);
    for (const p of [...props.ports, ...(props.externalService?.ports ?? [])]) checkPort(this, `props.ports: port "${p.name}"`, p.port);
    const { context, component } = props;
    const name = (this.name = props.name ?? resourceName(context, component));
    this.service = new ProgramService(this, 'Service', { context, name, component, type: props.serviceType, ports: props.ports });
    if (props.externalService) {
      this.externalService = new ProgramService(this, 'ExternalService', { ...props.externalService, context, name: `${name}-external`, component });
    }
    const identity = props.identity && new ProgramIdentity(this, 'Identity', { context, name, component, ...props.identity });
    const files = props.configFiles && Object.keys(props.configFiles).length > 0 ? props.configFiles : undefined;
    if (files) {
      new k8s.KubeConfigMap(this, 'Config', { metadata: { name, namespace: context.namespace, labels: labels(context, component) }, data: { ...files } });
    }
    const pod = props.pod ?? {};
    singletonDeployment(this, 'Deployment', {
      context,
      name,
      component,
      configFiles: files && Object.values(files),
      mainContainer: props.containerName ?? component,
      pod: {
        ...(identity ? { serviceAccountName: identity.serviceAccountName, automountServiceAccountToken: true } : {}),
        ...pod,
        containers: [
          ...(props.sidecars ?? []),
          {
            ...(typeof props.container === 'function' ? props.container(this.service) : props.container),
            name: props.containerName ?? component,
            ...imageOf(context, props.image),
            ports: this.service.containerPorts(),
            resources: resources(props.resources, props.defaultResources),
          },
        ],
        ...(files ? { volumes: [...(pod.volumes ?? []), { name: CONFIG_VOLUME, configMap: { name } }] } : {}),
      },
    });
  }
}

/** Settings every program component has, besides its own. */
export interface ComponentProps {
  /** Names, labels, namespace and images of the platform instance. */
  readonly context: PlatformContext;
  /**
   * Full image reference.
   * @default `<context.images.registry>/<upstream name>:<context.images.tag>` (lib/registry.ts)
   */
  readonly image?: string;
  /**
   * Resources; unset fields take the component's defaults.
   * @default the component's defaults
   */
  readonly resources?: Resources;
  /**
   * Extra environment variables (tunables); they come after the ones the component sets.
   * @default none
   */
  readonly env?: Readonly<Record<string, string>>;
}
