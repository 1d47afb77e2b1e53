/**
 * The API gateway: routes the CLI's HTTP API to the job scheduler and the
 * model manager. By default a Gateway API HTTPRoute attached to a Gateway
 * you run (the Gateway API is the successor of Ingress; ingress-nginx was
 * retired in March 2026); an Ingress remains an option for clusters that
 * still run an Ingress controller. `/api/v1/heartbeat` is deliberately not
 * routed: only coordinators call it, from inside the cluster, and it has no
 * authentication.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { HttpRoute, HttpRouteSpecRulesMatchesPathType } from '../imports/gateway.networking.k8s.io';
import { COMPONENT, labels, resourceName } from '../labels';
import type { PlatformContext } from '../resolve/context';
import { defineComponent } from '../blocks/define';
import { jobSchedulerComponent } from './job-scheduler';
import { modelManagerComponent } from './model-manager';
import { ProgramService } from '../blocks/workload';
import { platformPeer, tcp } from '../network/flows';

/** How a route matches a path: a regular expression, or the exact path. */
interface GatewayPath {
  /** RegularExpression or Exact. */
  readonly type: 'RegularExpression' | 'Exact';
  /**
   * The path. Regular expressions are written so that they mean the same
   * whether an implementation matches the whole path (Envoy, RE2) or a
   * prefix (nginx): `[^/]+` for a namespace, an optional last segment for an
   * item and its `:start`/`:stop` actions.
   */
  readonly value: string;
}

/** The paths each backend serves, from the programs' own URL patterns. */
const GATEWAY_ROUTES: { readonly jobScheduler: readonly GatewayPath[]; readonly modelManager: readonly GatewayPath[] } = {
  jobScheduler: [
    { type: 'RegularExpression', value: '/api/v1/namespaces/[^/]+/jobs(/[^/]+)?' },
    { type: 'Exact', value: '/api/v1/health' },
  ],
  modelManager: [
    { type: 'RegularExpression', value: '/api/v1/namespaces/[^/]+/models(/[^/]+)?' },
    { type: 'Exact', value: '/api/v1/models' },
  ],
};

/** The HTTPRoute's path match types of {@link GatewayPath}'s. */
const PATH_TYPES: Record<GatewayPath['type'], HttpRouteSpecRulesMatchesPathType> = {
  RegularExpression: HttpRouteSpecRulesMatchesPathType.REGULAR_EXPRESSION,
  Exact: HttpRouteSpecRulesMatchesPathType.EXACT,
};

/** The Gateway an HTTPRoute attaches to. */
export interface GatewayRef {
  /** Name of the Gateway. */
  readonly name: string;
  /**
   * Namespace of the Gateway; its listener must allow routes from the platform namespace.
   * @default the platform namespace
   */
  readonly namespace?: string;
  /**
   * Listener of the Gateway to attach to.
   * @default every listener that allows the route
   */
  readonly sectionName?: string;
}

/** Props of {@link ApiGateway}. */
export interface ApiGatewayProps {
  /** Names, labels and namespace of the platform instance. */
  readonly context: PlatformContext;
  /** A Gateway API HTTPRoute, or an Ingress. */
  readonly type: 'httpRoute' | 'ingress';
  /** The Gateway the HTTPRoute attaches to (type httpRoute). */
  readonly gateway: GatewayRef;
  /** IngressClass (type ingress); ingress-nginx annotations are added only for the class "nginx". */
  readonly ingressClassName: string;
  /**
   * Host names the API is served on (the HTTPRoute's `spec.hostnames`, one Ingress rule each).
   * @default [] (every host of the Gateway's listeners, or of the Ingress controller)
   */
  readonly hostnames?: readonly string[];
  /** Largest request body (an nginx size such as 1000M), for the ingress-nginx class. */
  readonly clientMaxBodySize: string;
  /** The job scheduler's Service (port `http`). */
  readonly jobScheduler: ProgramService;
  /** The model manager's Service (port `http`). */
  readonly modelManager: ProgramService;
}

/** The API gateway: an HTTPRoute or an Ingress. */
export class ApiGateway extends Construct {
  constructor(scope: Construct, id: string, props: ApiGatewayProps) {
    super(scope, id);
    const { context } = props;
    const metadata = { name: resourceName(context, 'api-gateway'), namespace: context.namespace, labels: labels(context, COMPONENT.apiGateway) };
    const routes = [
      { service: props.jobScheduler, paths: GATEWAY_ROUTES.jobScheduler },
      { service: props.modelManager, paths: GATEWAY_ROUTES.modelManager },
    ];
    const g = props;
    const hostnames = g.hostnames ?? [];
    if (g.type === 'httpRoute') {
      new HttpRoute(this, 'Resource', {
        metadata,
        spec: {
          parentRefs: [
            {
              group: 'gateway.networking.k8s.io',
              kind: 'Gateway',
              name: g.gateway.name,
              namespace: g.gateway.namespace ?? context.namespace,
              ...(g.gateway.sectionName ? { sectionName: g.gateway.sectionName } : {}),
            },
          ],
          ...(hostnames.length > 0 ? { hostnames: [...hostnames] } : {}),
          rules: routes.map(({ service, paths }) => ({
            matches: paths.map((path) => ({ path: { type: PATH_TYPES[path.type], value: path.value } })),
            backendRefs: [{ kind: 'Service', name: service.name, port: service.port('http') }],
          })),
        },
      });
      return;
    }
    const nginx = g.ingressClassName === 'nginx';
    new k8s.KubeIngress(this, 'Resource', {
      metadata: {
        ...metadata,
        ...(nginx
          ? {
              annotations: {
                'nginx.ingress.kubernetes.io/use-regex': 'true',
                // The CLI speaks plain http://.
                'nginx.ingress.kubernetes.io/ssl-redirect': 'false',
                'nginx.ingress.kubernetes.io/proxy-body-size': props.clientMaxBodySize,
              },
            }
          : {}),
      },
      spec: {
        ingressClassName: g.ingressClassName,
        rules: (hostnames.length > 0 ? hostnames : [undefined]).map((host) => ({
          ...(host ? { host } : {}),
          http: {
            paths: routes.flatMap(({ service, paths }) =>
              paths.map((p) => ({
                path: p.value,
                pathType: 'ImplementationSpecific',
                backend: { service: { name: service.name, port: { number: service.port('http') } } },
              })),
            ),
          },
        })),
      },
    });
  }
}

/** The API gateway in the registry: built when `apiGateway.enabled`. */
export const apiGatewayComponent = defineComponent({
  name: COMPONENT.apiGateway,
  build: (scope, { model, built }) =>
    model.apiGateway.enabled
      ? new ApiGateway(scope, 'ApiGateway', {
          context: model.context,
          ...model.apiGateway,
          clientMaxBodySize: model.sections.proxy.clientMaxBodySize,
          jobScheduler: built(jobSchedulerComponent).service,
          modelManager: built(modelManagerComponent).service,
        })
      : undefined,
  // The API gateway's data plane (a Gateway's proxies or an Ingress controller), as the config names it.
  flows: (_, { model, built }) => {
    const plane = model.gatewayDataPlane;
    if (!plane) return [];
    return [
      { from: plane, to: platformPeer(COMPONENT.jobScheduler), ports: tcp(built(jobSchedulerComponent).service.port('http')) },
      { from: plane, to: platformPeer(COMPONENT.modelManager), ports: tcp(built(modelManagerComponent).service.port('http')) },
    ];
  },
});
