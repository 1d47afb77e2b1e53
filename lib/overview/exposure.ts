/**
 * How each component is reached, from the generated objects: its Services
 * (ClusterIP, headless, NodePort, load balancer, external IPs) and the routes
 * of the API gateway (HTTPRoute, Ingress) to them; and the edge task
 * managers' host ports.
 */
import { TASK_MANAGER_PORT_NAME } from '../network/flows';
import { CLOUD_SITE } from '../network/policies';
import { SITE_LABEL } from '../labels';
import { OverviewInput } from './input';
import { OutputObjects } from './objects';
import { count, distinct, range } from './text';
import type { Obj, Untyped } from '../config/untyped';

/** The label that names a pod's component. */
const COMPONENT_LABEL = 'app.kubernetes.io/component';

/** The component key of a Service's selector, `component` or `component/cloud`, matching the diagram's component keys. */
export function selectorKey(svc: Obj): string | undefined {
  const sel: Record<string, string> | undefined = svc.spec?.selector;
  const component = sel?.[COMPONENT_LABEL];
  if (component === undefined) return undefined;
  return sel![SITE_LABEL] === CLOUD_SITE ? `${component}/${CLOUD_SITE}` : component;
}

/** How a Service is reached, besides the routes to it. */
function serviceReach(svc: Obj, port: Obj): string {
  const spec = svc.spec ?? {};
  const ips: string[] = spec.externalIPs ?? [];
  const extra = ips.length > 0 ? `; external IPs ${ips.join(', ')}` : '';
  switch (spec.type) {
    case 'NodePort':
      return `NodePort ${port.nodePort ?? '(assigned)'} on every node${extra}`;
    case 'LoadBalancer': {
      const ranges: string[] = spec.loadBalancerSourceRanges ?? [];
      return `load balancer${ranges.length > 0 ? ` admitting ${ranges.join(', ')}` : ''}${port.nodePort !== undefined ? ` (NodePort ${port.nodePort})` : ''}${extra}`;
    }
    default:
      return `${spec.clusterIP === 'None' ? 'inside the cluster, headless' : 'inside the cluster'}${extra}`;
  }
}

/** The routes (HTTPRoute, Ingress) to each Service, by Service name. */
export function routesByService(objects: OutputObjects): Map<string, string[]> {
  const routes = new Map<string, string[]>();
  const add = (service: string, text: string) => routes.set(service, distinct([...(routes.get(service) ?? []), text]));
  for (const o of objects.exposing) {
    if (o.kind === 'HTTPRoute') {
      const parents = (o.spec.parentRefs ?? []).map((p: Untyped) => `Gateway ${p.namespace ?? o.metadata.namespace}/${p.name}`).join(', ');
      const hosts: string[] = o.spec.hostnames ?? [];
      const text = `HTTPRoute ${o.metadata.name} on ${parents}${hosts.length > 0 ? ` for ${hosts.join(', ')}` : ''}`;
      for (const r of o.spec.rules ?? []) for (const b of r.backendRefs ?? []) add(b.name, text);
    }
    if (o.kind === 'Ingress') {
      const rules: Untyped[] = o.spec.rules ?? [];
      const hosts = rules.flatMap((r) => (r.host ? [r.host] : []));
      const text = `Ingress ${o.metadata.name}${o.spec.ingressClassName ? ` (class ${o.spec.ingressClassName})` : ''}${hosts.length > 0 ? ` for ${distinct(hosts).join(', ')}` : ''}`;
      for (const r of rules) for (const p of r.http?.paths ?? []) add(p.backend.service.name, text);
    }
  }
  return routes;
}

/** One row of the exposure table. */
export interface Exposure {
  /** The component (and site) whose pods the Service selects. */
  readonly component: string;
  /** The Service's name. */
  readonly service: string;
  /** The port's name, number and protocol. */
  readonly port: string;
  /** How it is reached: inside the cluster, NodePort, load balancer, external IPs, and the routes to it. */
  readonly reached: string;
}

/** Every Service port of the platform, and how the edge task managers are reached. */
export function exposures(input: OverviewInput): Exposure[] {
  const routes = routesByService(input.objects);
  const rows: Exposure[] = [];
  for (const svc of input.objects.exposing.filter((o) => o.kind === 'Service')) {
    const key = selectorKey(svc);
    const component = key === undefined ? (svc.metadata.labels?.[COMPONENT_LABEL] ?? '') : key.replace(/\/(.*)$/, ' ($1)');
    for (const p of svc.spec.ports ?? []) {
      const reached = [serviceReach(svc, p), ...(routes.get(svc.metadata.name) ?? [])].join('; ');
      rows.push({ component, service: svc.metadata.name, port: `${p.name ?? ''} ${p.port}/${p.protocol ?? 'TCP'}`.trim(), reached });
    }
  }
  if (input.edgeSites.length > 0) {
    rows.push({
      component: 'task-manager (edge)',
      service: '(none: no kube-proxy on edge nodes)',
      port: `${TASK_MANAGER_PORT_NAME} ${range(input.edgeSites.map((s) => s.settings.port))}/TCP`,
      reached: `host port on each edge node's address (${count(input.edgeSites.length, 'node')})`,
    });
  }
  return rows;
}
