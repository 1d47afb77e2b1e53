/**
 * NetworkPolicies rendered from the platform's flows (flows.ts): a
 * default deny of ingress and egress for every pod of the platform's
 * namespace (only the platform's pods when the namespace is shared), then one
 * policy per component allowing exactly the flows into and out of it. With
 * `networkPolicies.defaultNamespace`, one more policy in namespace `default`
 * isolates coordinators and executors the same way. Flows from Cilium's
 * reserved `ingress` identity, which no NetworkPolicy can name, become
 * CiliumNetworkPolicies.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import type { NamespaceIsolation } from '../resolve/api-gateway';
import type { PlatformContext } from '../resolve/context';
import { APP_NAME, COMPONENT, labels, resourceName, selectorLabels, SITE_LABEL } from '../labels';
import { WORKLOAD_NAMESPACE } from '../blocks/api-access';
import { Flow, FlowPort, Peer } from './flows';
import { syncWave } from '../blocks/setup-job';

/** Site label value of the cloud task manager. */
export const CLOUD_SITE = 'cloud';

/** The label every namespace carries with its own name (Kubernetes 1.21+). */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * Sync wave of the policies: with the Namespace's objects, before the set-up
 * hooks (wave -1) run, so the deny never exists without its allow rules.
 */
const NETWORK_POLICY_WAVE = -2;

/** Props of {@link NetworkPolicies}. */
export interface NetworkPoliciesProps {
  /** Names, labels and namespace of the platform instance. */
  readonly context: PlatformContext;
  /** Every flow the platform needs. */
  readonly flows: readonly Flow[];
  /**
   * Also write the policy of coordinators and executors in namespace `default`.
   * @default false
   */
  readonly defaultNamespace?: boolean;
  /** The cluster DNS pods every pod may query: their namespace and labels. */
  readonly dns: { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> };
  /**
   * What the default deny selects: every pod of the platform's namespace, or only the platform's.
   * @default only the platform's pods
   */
  readonly isolation?: NamespaceIsolation;
}

/** The Cilium identity of requests from Cilium's own Gateway API and Ingress proxy. */
const CILIUM_INGRESS_ENTITY = 'ingress';

/** The side of a flow a policy selects: the platform's pods, or coordinators and executors in `default`. */
type Subject = Extract<Peer, { kind: 'platform' | 'workloads' }>;

/** The rules of one policy under construction. */
interface PolicyRules {
  readonly subject: Subject;
  readonly ingress: Map<string, { peers?: k8s.NetworkPolicyPeer[]; ports: FlowPort[] }>;
  readonly egress: Map<string, { peers?: k8s.NetworkPolicyPeer[]; ports: FlowPort[] }>;
}

/** The default deny and the per-component policies. */
export class NetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: NetworkPoliciesProps) {
    super(scope, id);
    const { context } = props;
    const isolation = props.isolation ?? { wholeNamespace: false };
    new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: metadata(resourceName(context, 'default-deny'), context.namespace, labels(context, COMPONENT.setup)),
      spec: { podSelector: isolation.wholeNamespace ? {} : { matchLabels: instanceSelector(context) }, policyTypes: ['Ingress', 'Egress'] },
    });
    if (isolation.openPods) {
      // The API gateway's data plane beside the platform: its flows are its implementation's, so it stays open.
      new k8s.KubeNetworkPolicy(this, 'GatewayDataPlane', {
        metadata: metadata(resourceName(context, 'gateway-data-plane'), context.namespace, labels(context, COMPONENT.apiGateway)),
        spec: { podSelector: { matchLabels: { ...isolation.openPods } }, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] },
      });
    }

    const policies = new Map<string, PolicyRules>();
    const rulesOf = (subject: Subject): PolicyRules | undefined => {
      if (subject.kind === 'workloads' && !props.defaultNamespace) return undefined;
      const key = JSON.stringify(subject);
      if (!policies.has(key)) policies.set(key, { subject, ingress: new Map(), egress: new Map() });
      return policies.get(key);
    };
    const add = (rules: Map<string, { peers?: k8s.NetworkPolicyPeer[]; ports: FlowPort[] }>, peers: k8s.NetworkPolicyPeer[] | undefined, ports: readonly FlowPort[]) => {
      const key = JSON.stringify(peers ?? null);
      const rule = rules.get(key) ?? { peers, ports: [] };
      for (const p of ports) if (!rule.ports.some((q) => q.port === p.port && q.protocol === p.protocol)) rule.ports.push(p);
      rules.set(key, rule);
    };
    const fromCilium = new Map<string, { subject: Subject; ports: FlowPort[] }>();
    for (const flow of props.flows) {
      if (flow.from.kind === 'ciliumIngress') {
        if (isSubject(flow.to)) {
          const key = JSON.stringify(flow.to);
          const entry = fromCilium.get(key) ?? { subject: flow.to, ports: [] };
          entry.ports.push(...flow.ports);
          fromCilium.set(key, entry);
        }
        continue;
      }
      if (isSubject(flow.to)) {
        const r = rulesOf(flow.to);
        if (r) add(r.ingress, policyPeers(context, props.dns, flow.from, namespaceOf(context, flow.to)), flow.ports);
      }
      if (isSubject(flow.from)) {
        const r = rulesOf(flow.from);
        if (r) add(r.egress, policyPeers(context, props.dns, flow.to, namespaceOf(context, flow.from)), flow.ports);
      }
    }

    for (const { subject, ingress, egress } of policies.values()) {
      const name = policyName(context, subject);
      const toPorts = (ports: FlowPort[]): k8s.NetworkPolicyPort[] =>
        ports.map((p) => ({ protocol: p.protocol, port: typeof p.port === 'number' ? k8s.IntOrString.fromNumber(p.port) : k8s.IntOrString.fromString(p.port) }));
      const workloads = subject.kind === 'workloads';
      new k8s.KubeNetworkPolicy(this, name, {
        metadata: metadata(name, namespaceOf(context, subject), subjectLabels(context, subject)),
        spec: {
          podSelector: podSelector(context, subject),
          // The policy in `default` isolates its pods on its own; the platform's are isolated by the default deny.
          policyTypes: workloads ? ['Ingress', 'Egress'] : [...(ingress.size > 0 ? ['Ingress'] : []), ...(egress.size > 0 ? ['Egress'] : [])],
          ...(ingress.size > 0 ? { ingress: [...ingress.values()].map((r) => ({ ...(r.peers ? { from: r.peers } : {}), ports: toPorts(r.ports) })) } : {}),
          ...(egress.size > 0 ? { egress: [...egress.values()].map((r) => ({ ...(r.peers ? { to: r.peers } : {}), ports: toPorts(r.ports) })) } : {}),
        },
      });
    }

    for (const { subject, ports } of fromCilium.values()) {
      const name = `${policyName(context, subject)}-from-cilium-ingress`;
      new ApiObject(this, name, {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: metadata(name, namespaceOf(context, subject), subjectLabels(context, subject)),
        spec: {
          endpointSelector: podSelector(context, subject),
          ingress: [{ fromEntities: [CILIUM_INGRESS_ENTITY], toPorts: [{ ports: ports.map((p) => ({ port: String(p.port), protocol: p.protocol })) }] }],
        },
      });
    }
  }
}

function isSubject(peer: Peer): peer is Subject {
  return peer.kind === 'platform' || peer.kind === 'workloads';
}

/** The labels every pod of this platform instance carries. */
function instanceSelector(context: PlatformContext): Record<string, string> {
  const { 'app.kubernetes.io/component': _component, ...rest } = selectorLabels(context, COMPONENT.setup);
  return rest;
}

function metadata(name: string, namespace: string, lbl: Record<string, string>): k8s.ObjectMeta {
  return { name, namespace, labels: lbl, annotations: syncWave(NETWORK_POLICY_WAVE) };
}

/** The namespace a subject's pods live in. */
function namespaceOf(context: PlatformContext, subject: Subject): string {
  return subject.kind === 'workloads' ? WORKLOAD_NAMESPACE : context.namespace;
}

/** Name of a subject's policy, from the context's name and the component. */
function policyName(context: PlatformContext, subject: Subject): string {
  if (subject.kind === 'workloads') return resourceName(context, 'coordinators-executors');
  if (subject.component === undefined) return resourceName(context, 'all-pods');
  if (subject.site === 'edge') return resourceName(context, `edge-${subject.component}s`);
  return resourceName(context, subject.component);
}

function subjectLabels(context: PlatformContext, subject: Subject): Record<string, string> {
  return subject.kind === 'platform' && subject.component !== undefined ? labels(context, subject.component) : labels(context, COMPONENT.setup);
}

/** The pods a subject's policy selects. */
function podSelector(context: PlatformContext, subject: Subject): k8s.LabelSelector {
  // Every pod in `default` but the platform's own (when the platform itself runs there).
  if (subject.kind === 'workloads') return { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: [APP_NAME] }] };
  if (subject.component === undefined) return { matchLabels: instanceSelector(context) };
  if (subject.site === 'edge') {
    return { matchLabels: selectorLabels(context, subject.component), matchExpressions: [{ key: SITE_LABEL, operator: 'NotIn', values: [CLOUD_SITE] }] };
  }
  return { matchLabels: selectorLabels(context, subject.component, subject.site === 'cloud' ? CLOUD_SITE : undefined) };
}

const namespaceSelector = (name: string): k8s.LabelSelector => ({ matchLabels: { [NAMESPACE_NAME_LABEL]: name } });

/** The NetworkPolicy peers of a flow's other end, seen from a policy in `policyNamespace`; undefined: any address. */
function policyPeers(context: PlatformContext, dns: NetworkPoliciesProps['dns'], peer: Peer, policyNamespace: string): k8s.NetworkPolicyPeer[] | undefined {
  switch (peer.kind) {
    case 'platform':
      return [
        {
          podSelector: podSelector(context, peer),
          ...(policyNamespace === context.namespace ? {} : { namespaceSelector: namespaceSelector(context.namespace) }),
        },
      ];
    case 'workloads':
      return [{ namespaceSelector: namespaceSelector(WORKLOAD_NAMESPACE) }];
    case 'pods':
      return [
        {
          // Every pod of the other namespace when there are no labels; in the policy's own, the config rules require labels.
          ...(Object.keys(peer.podLabels).length > 0 || peer.namespace === policyNamespace ? { podSelector: { matchLabels: { ...peer.podLabels } } } : {}),
          ...(peer.namespace === policyNamespace ? {} : { namespaceSelector: namespaceSelector(peer.namespace) }),
        },
      ];
    case 'ciliumIngress':
      throw new Error('flows from Cilium\'s ingress identity are CiliumNetworkPolicies, not NetworkPolicy peers');
    case 'dns':
      return [{ namespaceSelector: namespaceSelector(dns.namespace), podSelector: { matchLabels: { ...dns.podLabels } } }];
    case 'anywhere':
      return undefined;
    case 'addresses':
      return peer.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  }
}
