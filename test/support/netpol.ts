/**
 * A small evaluator of Kubernetes NetworkPolicies over synthesized output,
 * for tests: which connections the policies allow, under the semantics of
 * the NetworkPolicy API (networking.k8s.io/v1):
 *
 * - a pod is isolated for ingress (egress) when a policy in its namespace
 *   selects it and lists `Ingress` (`Egress`) in `policyTypes`; an isolated
 *   pod accepts (opens) only what some selecting policy's rule allows, and a
 *   connection needs both the source's egress and the destination's ingress;
 * - peers: `podSelector` (pods of the policy's namespace), `namespaceSelector`
 *   (namespaces by label; every namespace carries `kubernetes.io/metadata.name`),
 *   both together (pods matching both), `ipBlock` (addresses outside the pod
 *   network); a rule without peers matches every source or destination;
 * - ports: a number, a range (`endPort`), or a container port name resolved on
 *   the destination pod; no ports means every port; protocol defaults to TCP;
 * - `hostNetwork` pods are never selected by a policy, and their traffic comes
 *   from the node's address, which no pod or namespace selector matches.
 *
 * Whether `ipBlock` matches pod addresses is implementation-defined; the
 * evaluator never lets it (`ipBlockMatchesPods` turns it on to check that a
 * denial does not depend on it).
 *
 * @example
 * ```ts
 * const net = new NetworkEvaluator(out.objects.map((o) => o.obj), [coordinator]);
 * expect(net.allowsService(coordinator, 'nsfl-job-scheduler', 'http')).toBe(true);
 * ```
 */

/** A port a pod's container declares. */
export interface ContainerPort {
  /** Port name (what a named policy port refers to). */
  readonly name?: string;
  /** Container port number. */
  readonly port: number;
  /** TCP, UDP or SCTP. */
  readonly protocol: string;
}

/** A pod (from a workload's template, or made up for a test) or an address outside the pod network. */
export type Endpoint =
  | {
      readonly kind: 'pod';
      readonly name: string;
      readonly namespace: string;
      readonly labels: Readonly<Record<string, string>>;
      readonly hostNetwork: boolean;
      readonly ports: readonly ContainerPort[];
      /** The pod's address (the node's for hostNetwork pods). */
      readonly ip: string;
    }
  | { readonly kind: 'external'; readonly name: string; readonly ip: string };

/** A pod endpoint. */
export type Pod = Extract<Endpoint, { kind: 'pod' }>;

/** A pod for a test: coordinators and executors in `default`, a gateway controller, DNS, a stranger. */
export function makePod(name: string, namespace: string, labels: Record<string, string>, ports: ContainerPort[] = [], ip = '10.244.9.9'): Pod {
  return { kind: 'pod', name, namespace, labels, hostNetwork: false, ports, ip };
}

/** An address outside the pod network (a user, an edge node, the API server). */
export function external(name: string, ip: string): Endpoint {
  return { kind: 'external', name, ip };
}

/** Options of an evaluation. */
export interface EvalOptions {
  /** Let `ipBlock` match pod addresses too (some CNIs do). Default false. */
  readonly ipBlockMatchesPods?: boolean;
}

type Obj = Record<string, any>;
type Direction = 'Ingress' | 'Egress';

/** Kinds whose pod template is at `spec.template`. */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet']);

/** The NetworkPolicies and pods of a set of objects, and what they allow. */
export class NetworkEvaluator {
  /** Every pod, by `namespace/name`. */
  public readonly pods: ReadonlyMap<string, Pod>;
  private readonly policies: Obj[];
  private readonly services: Obj[];

  /**
   * @param objects synthesized objects (workloads become pods named after them; Services are looked up by name)
   * @param extraPods pods the output does not hold (coordinators, executors, controllers)
   */
  constructor(objects: readonly Obj[], extraPods: readonly Pod[] = []) {
    this.policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    this.services = objects.filter((o) => o.kind === 'Service');
    const pods = new Map<string, Pod>();
    let n = 1;
    for (const o of objects) {
      const template = WORKLOADS.has(o.kind) ? o.spec.template : o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : undefined;
      if (!template) continue;
      const spec = template.spec;
      const ports: ContainerPort[] = (spec.containers ?? []).flatMap((c: Obj) =>
        (c.ports ?? []).map((p: Obj) => ({ name: p.name, port: p.containerPort, protocol: p.protocol ?? 'TCP' })),
      );
      const hostNetwork = spec.hostNetwork === true;
      const ip = hostNetwork ? `192.168.0.${n++}` : `10.244.0.${n++}`;
      pods.set(`${o.metadata.namespace}/${o.metadata.name}`, {
        kind: 'pod',
        name: o.metadata.name,
        namespace: o.metadata.namespace,
        labels: template.metadata?.labels ?? {},
        hostNetwork,
        ports,
        ip,
      });
    }
    for (const p of extraPods) pods.set(`${p.namespace}/${p.name}`, p);
    this.pods = pods;
  }

  /** The pod of a workload; throws when missing. */
  public pod(name: string, namespace?: string): Pod {
    const found = [...this.pods.values()].filter((p) => p.name === name && (namespace === undefined || p.namespace === namespace));
    if (found.length !== 1) throw new Error(`${found.length} pods named ${name}${namespace ? ` in ${namespace}` : ''}`);
    return found[0];
  }

  /** Whether a pod is isolated in a direction (some policy of its namespace selects it for it). */
  public isolated(pod: Pod, direction: Direction): boolean {
    return this.selecting(pod, direction).length > 0;
  }

  /** Whether a connection from `src` to `dst` on `port`/`protocol` is allowed (both ends' policies). */
  public allows(src: Endpoint, dst: Endpoint, port: number, protocol = 'TCP', options: EvalOptions = {}): boolean {
    return this.side(src, 'Egress', dst, dst, port, protocol, options) && this.side(dst, 'Ingress', src, dst, port, protocol, options);
  }

  /**
   * Whether `src` may connect to a Service's port: to every pod behind it
   * (at least one), on the target port (a named target port is resolved on
   * each pod), as policies see it after the Service address is translated.
   */
  public allowsService(src: Endpoint, service: Obj | string, portName: string, options: EvalOptions = {}): boolean {
    const backends = this.backends(service, portName);
    return backends.length > 0 && backends.every((b) => this.allows(src, b.pod, b.port, b.protocol, options));
  }

  /** The pods behind a Service's port and the port each receives on. */
  public backends(service: Obj | string, portName: string): { pod: Pod; port: number; protocol: string }[] {
    const svc = typeof service === 'string' ? this.serviceNamed(service) : service;
    const sp = (svc.spec.ports as Obj[]).find((p) => p.name === portName);
    if (!sp) throw new Error(`Service ${svc.metadata.name} has no port ${portName}`);
    const protocol = sp.protocol ?? 'TCP';
    return [...this.pods.values()]
      .filter((p) => p.namespace === svc.metadata.namespace && svc.spec.selector && matchesSelector({ matchLabels: svc.spec.selector }, p.labels))
      .flatMap((pod) => {
        const target = sp.targetPort ?? sp.port;
        const port = typeof target === 'number' ? target : pod.ports.find((c) => c.name === target && c.protocol === protocol)?.port;
        return port === undefined ? [] : [{ pod, port, protocol }];
      });
  }

  private serviceNamed(name: string): Obj {
    const svc = this.services.find((s) => s.metadata.name === name);
    if (!svc) throw new Error(`no Service ${name}`);
    return svc;
  }

  /** The policies that select a pod for a direction (none for hostNetwork pods). */
  private selecting(pod: Pod, direction: Direction): Obj[] {
    if (pod.hostNetwork) return [];
    return this.policies.filter(
      (p) => p.metadata.namespace === pod.namespace && matchesSelector(p.spec.podSelector ?? {}, pod.labels) && policyTypes(p).includes(direction),
    );
  }

  /** One side's verdict: `self` not isolated, or a rule of a selecting policy matches `peer` and the port. */
  private side(self: Endpoint, direction: Direction, peer: Endpoint, dst: Endpoint, port: number, protocol: string, options: EvalOptions): boolean {
    if (self.kind !== 'pod') return true;
    const policies = this.selecting(self, direction);
    if (policies.length === 0) return true;
    return policies.some((policy) => {
      const rules: Obj[] = (direction === 'Ingress' ? policy.spec.ingress : policy.spec.egress) ?? [];
      return rules.some((rule) => {
        const peers: Obj[] | undefined = direction === 'Ingress' ? rule.from : rule.to;
        const peerOk = !peers || peers.length === 0 || peers.some((p) => this.peerMatches(p, policy.metadata.namespace, peer, options));
        return peerOk && portMatches(rule.ports, dst, port, protocol);
      });
    });
  }

  private peerMatches(peer: Obj, policyNamespace: string, endpoint: Endpoint, options: EvalOptions): boolean {
    if (peer.ipBlock) {
      const ipAddressable = endpoint.kind === 'external' || endpoint.hostNetwork || options.ipBlockMatchesPods === true;
      return ipAddressable && inCidr(endpoint.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c: string) => inCidr(endpoint.ip, c));
    }
    // Traffic of a hostNetwork pod or from outside comes from an address no selector names.
    if (endpoint.kind !== 'pod' || endpoint.hostNetwork) return false;
    const namespaceOk = peer.namespaceSelector
      ? matchesSelector(peer.namespaceSelector, { 'kubernetes.io/metadata.name': endpoint.namespace })
      : endpoint.namespace === policyNamespace;
    return namespaceOk && (!peer.podSelector || matchesSelector(peer.podSelector, endpoint.labels));
  }
}

/** A policy's types as the API server defaults them. */
function policyTypes(policy: Obj): Direction[] {
  if (policy.spec.policyTypes) return policy.spec.policyTypes;
  return ['Ingress', ...(policy.spec.egress ? (['Egress'] as const) : [])];
}

/** Whether a rule's ports admit `port`/`protocol` on `dst` (names are resolved on the destination pod). */
function portMatches(ports: Obj[] | undefined, dst: Endpoint, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') {
      return dst.kind === 'pod' && !dst.hostNetwork && dst.ports.some((c) => c.name === p.port && c.port === port && c.protocol === protocol);
    }
    return p.endPort === undefined ? p.port === port : port >= p.port && port <= p.endPort;
  });
}

/** Whether a label selector (matchLabels and matchExpressions) selects `labels`; `{}` selects everything. */
export function matchesSelector(selector: Obj, labels: Readonly<Record<string, string>>): boolean {
  const matchLabels: Record<string, string> = selector.matchLabels ?? {};
  if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return false;
  return (selector.matchExpressions ?? []).every((e: Obj) => {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In':
        return has && e.values.includes(labels[e.key]);
      case 'NotIn':
        return !has || !e.values.includes(labels[e.key]);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        throw new Error(`unknown selector operator ${e.operator}`);
    }
  });
}

/** Whether an IPv4 address lies in a CIDR. */
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const n = Number(bits);
  const toInt = (a: string) => a.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  return (toInt(ip) & mask) === (toInt(base) & mask);
}
