/**
 * The two shapes every platform component is made of: a singleton
 * Deployment (one replica, Recreate: every program keeps state in memory or
 * opens files without locking) and a Service that owns its ports.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { Config } from '../config/schema';
import { Component, labels, selectorLabels } from '../labels';
import { CHECKSUM_ANNOTATION, checksum, cloudOnlyAffinity, podDefaults } from './pod';

/** Props of {@link singletonDeployment}. */
export interface SingletonProps {
  /** The platform config. */
  readonly config: Config;
  /** Deployment name. */
  readonly name: string;
  /** Component label. */
  readonly component: Component;
  /** Site label (task managers). */
  readonly site?: string;
  /** The pod spec; platform-wide pod settings are added. */
  readonly pod: k8s.PodSpec;
  /** Config files whose content hash rolls the pod when they change. */
  readonly configFiles?: readonly string[];
  /** Keep the pod on cloud nodes (default true); edge task managers pin themselves instead. */
  readonly cloudOnly?: boolean;
  /** Labels the cloud node must carry (e.g. the cloud task manager's cluster label). */
  readonly nodeLabels?: Record<string, string>;
}

/** A one-replica Deployment with the Recreate strategy and selectors on stable labels only. */
export function singletonDeployment(scope: Construct, id: string, props: SingletonProps): k8s.KubeDeployment {
  const { config, name, component, site } = props;
  const annotations = props.configFiles && props.configFiles.length > 0 ? { [CHECKSUM_ANNOTATION]: checksum(...props.configFiles) } : undefined;
  return new k8s.KubeDeployment(scope, id, {
    metadata: { name, namespace: config.namespace, labels: labels(config, component, site) },
    spec: {
      replicas: 1,
      revisionHistoryLimit: 3,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selectorLabels(config, component, site) },
      template: {
        metadata: { labels: labels(config, component, site), ...(annotations ? { annotations } : {}) },
        spec: {
          ...podDefaults(config),
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
  /** NodePort, for NodePort Services. */
  readonly nodePort?: number;
}

/** Props of {@link ProgramService}. */
export interface ProgramServiceProps {
  /** The platform config. */
  readonly config: Config;
  /** Service name. */
  readonly name: string;
  /** Component label (selects the component's pods). */
  readonly component: Component;
  /** Site label (task managers). */
  readonly site?: string;
  /** Ports. */
  readonly ports: readonly ServicePort[];
  /** Service type; default ClusterIP. */
  readonly type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /** External IPs. */
  readonly externalIPs?: readonly string[];
  /** Annotations (e.g. for a cloud load balancer). */
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
  private readonly ports: Map<string, number>;

  constructor(scope: Construct, id: string, props: ProgramServiceProps) {
    super(scope, id);
    const { config } = props;
    this.name = props.name;
    this.dnsName = `${props.name}.${config.namespace}.svc`;
    this.fqdn = `${this.dnsName}.cluster.local`;
    this.ports = new Map(props.ports.map((p) => [p.name, p.port]));
    new k8s.KubeService(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: config.namespace,
        labels: labels(config, props.component, props.site),
        ...(props.annotations && Object.keys(props.annotations).length > 0 ? { annotations: props.annotations } : {}),
      },
      spec: {
        type: props.type ?? 'ClusterIP',
        selector: selectorLabels(config, props.component, props.site),
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
