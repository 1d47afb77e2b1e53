/**
 * Who the API gateway's requests come from, and whether the platform's
 * namespace holds nothing but the platform: what the NetworkPolicies admit
 * into the job scheduler and the model manager, and what their default deny
 * selects (docs/security.md, Isolation). Also the config rules of
 * `apiGateway` that relate several fields.
 */
import type { RuleIssue } from '../config/errors';
import { Config } from '../config/schema';

/** The namespace the programs create coordinators and executors in, which the platform never owns. */
const DEFAULT_NAMESPACE = 'default';

/**
 * The label Gateway API implementations that deploy a data plane per Gateway
 * put on its pods (GEP-1762): Istio, NGINX Gateway Fabric.
 */
const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** The pods the API gateway's requests come from. */
export type GatewayDataPlane =
  /** Pods of one namespace with these labels (all of its pods when there are none). */
  | { readonly kind: 'pods'; readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> }
  /** Cilium's own gateway: its requests carry Cilium's reserved identity `ingress`. */
  | { readonly kind: 'ciliumIngress' };

/** The namespace of the Gateway an HTTPRoute attaches to. */
function gatewayNamespace(config: Config): string {
  return config.apiGateway.gateway.namespace ?? config.namespace;
}

/**
 * The API gateway's data plane, from `apiGateway.dataPlane` and its defaults;
 * undefined when there is no gateway. Valid only after {@link apiGatewayRules}
 * found no error (type ingress needs a namespace).
 */
export function gatewayDataPlane(config: Config): GatewayDataPlane | undefined {
  const g = config.apiGateway;
  if (!g.enabled) return undefined;
  if (g.dataPlane.cilium) return { kind: 'ciliumIngress' };
  const httpRoute = g.type === 'httpRoute';
  return {
    kind: 'pods',
    namespace: g.dataPlane.namespace ?? (httpRoute ? gatewayNamespace(config) : config.namespace),
    podLabels: g.dataPlane.podLabels ?? (httpRoute ? { [GATEWAY_NAME_LABEL]: g.gateway.name } : {}),
  };
}

/** What the default deny of the platform's namespace selects. */
export interface NamespaceIsolation {
  /**
   * Every pod of the namespace (`podSelector: {}`), not only the platform's:
   * the namespace is the platform's own (not `default`, not shared by
   * `networkPolicies.sharedNamespace`).
   */
  readonly wholeNamespace: boolean;
  /**
   * Pods in the namespace that are not the platform's and are left open: the
   * API gateway's data plane when it runs there (its flows are its
   * implementation's, not the platform's).
   */
  readonly openPods?: Readonly<Record<string, string>>;
}

/** How the platform's namespace is isolated. */
export function namespaceIsolation(config: Config): NamespaceIsolation {
  const wholeNamespace = config.namespace !== DEFAULT_NAMESPACE && !config.networkPolicies.sharedNamespace;
  const plane = gatewayDataPlane(config);
  const here = wholeNamespace && plane?.kind === 'pods' && plane.namespace === config.namespace;
  return here ? { wholeNamespace, openPods: plane.podLabels } : { wholeNamespace };
}

/** The cross-field rules of `apiGateway`. */
export function apiGatewayRules(config: Config): RuleIssue[] {
  const g = config.apiGateway;
  if (!g.enabled) return [];
  const issues: RuleIssue[] = [];
  const shared = gatewayNamespace(config);
  if (g.type === 'httpRoute' && shared !== config.namespace && g.hostnames.length === 0) {
    issues.push({
      path: ['apiGateway', 'hostnames'],
      severity: 'error',
      related: ['apiGateway', 'gateway', 'namespace'],
      message: `the Gateway is in namespace "${shared}", not the platform's: list the host names the API is served on (e.g. hostnames: [fl.example.com]); without them the HTTPRoute claims ` +
        `/api/v1/... on every host of the shared Gateway's listeners`,
    });
  }
  if (g.dataPlane.cilium) return issues;
  if (g.type === 'ingress' && g.dataPlane.namespace === undefined) {
    issues.push({
      path: ['apiGateway', 'dataPlane', 'namespace'],
      severity: 'error',
      related: ['apiGateway', 'type'],
      message: 'apiGateway.type is "ingress": set the namespace the Ingress controller\'s pods run in (e.g. ingress-nginx), and their podLabels, so that only they reach the job scheduler and the ' +
        'model manager (or dataPlane.cilium: true for Cilium\'s Ingress)',
    });
    return issues;
  }
  const plane = gatewayDataPlane(config);
  if (plane?.kind === 'pods' && plane.namespace === config.namespace && Object.keys(plane.podLabels).length === 0) {
    issues.push({
      path: ['apiGateway', 'dataPlane', 'podLabels'],
      severity: 'error',
      message: `the API gateway's data plane runs in the platform's namespace "${config.namespace}": name its pods' labels, or every pod of the namespace could reach the job scheduler and the ` +
        `model manager (and be left open by the default deny)`,
    });
  }
  return issues;
}
