/**
 * The API gateway: an Ingress on an ingress-nginx controller (installed as
 * its own application) routing the CLI's HTTP API to the job scheduler and
 * the model manager. `/api/v1/heartbeat` is deliberately not routed: only
 * coordinators call it, from inside the cluster, and it has no authentication.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { Config } from '../config/schema';
import { labels, resourceName } from '../labels';
import { ProgramService } from './workload';

/** The regex paths each backend serves. */
export const GATEWAY_ROUTES = {
  jobScheduler: ['/api/v1/namespaces/(.*)/jobs', '/api/v1/namespaces/(.*)/jobs/(.*)', '/api/v1/health'],
  modelManager: ['/api/v1/namespaces/(.*)/models', '/api/v1/namespaces/(.*)/models/(.*)', '/api/v1/models*'],
} as const;

/** The API gateway Ingress. */
export class ApiGateway extends Construct {
  constructor(scope: Construct, id: string, config: Config, backends: { jobScheduler: ProgramService; modelManager: ProgramService }) {
    super(scope, id);
    const g = config.apiGateway;
    const path = (p: string, svc: ProgramService): k8s.HttpIngressPath => ({
      path: p,
      pathType: 'ImplementationSpecific',
      backend: { service: { name: svc.name, port: { number: svc.port('http') } } },
    });
    new k8s.KubeIngress(this, 'Resource', {
      metadata: {
        name: resourceName(config, 'api-gateway'),
        namespace: config.namespace,
        labels: labels(config, 'api-gateway'),
        annotations: {
          'nginx.ingress.kubernetes.io/use-regex': 'true',
          // The CLI speaks plain http://.
          'nginx.ingress.kubernetes.io/ssl-redirect': 'false',
          'nginx.ingress.kubernetes.io/proxy-body-size': config.proxy.clientMaxBodySize,
        },
      },
      spec: {
        ingressClassName: g.ingressClassName,
        rules: [
          {
            ...(g.host ? { host: g.host } : {}),
            http: {
              paths: [
                ...GATEWAY_ROUTES.jobScheduler.map((p) => path(p, backends.jobScheduler)),
                ...GATEWAY_ROUTES.modelManager.map((p) => path(p, backends.modelManager)),
              ],
            },
          },
        ],
      },
    });
  }
}
