import { Testing } from 'cdk8s';
import { ApiGateway, ApiGatewayProps } from '../../lib';
import { CONTEXT, objects, service } from './support';

describe('ApiGateway', () => {
  const build = (over: Partial<ApiGatewayProps> = {}) => {
    const chart = Testing.chart();
    new ApiGateway(chart, 'ApiGateway', {
      context: CONTEXT,
      type: 'httpRoute',
      gateway: { name: 'public', namespace: 'gateways' },
      ingressClassName: 'nginx',
      clientMaxBodySize: '1000M',
      jobScheduler: service(chart, 'job-scheduler', { http: 8088 }),
      modelManager: service(chart, 'model-manager', { http: 8090 }),
      ...over,
    });
    return objects(chart);
  };

  test('an HTTPRoute attached to the Gateway, sending each path to its backend', () => {
    const route = build().one('HTTPRoute');
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateways' }]);
    expect(route.spec.rules.map((r: any) => r.backendRefs[0])).toEqual([
      { kind: 'Service', name: 'fl-job-scheduler', port: 8088 },
      { kind: 'Service', name: 'fl-model-manager', port: 8090 },
    ]);
  });

  test('the HTTPRoute claims only its host names; without them, every host of the listeners', () => {
    expect(build().one('HTTPRoute').spec.hostnames).toBeUndefined();
    expect(build({ hostnames: ['fl.example.com', '*.fl.example.org'] }).one('HTTPRoute').spec.hostnames).toEqual(['fl.example.com', '*.fl.example.org']);
  });

  test('an Ingress on request, with ingress-nginx annotations only for the class nginx', () => {
    expect(build({ type: 'ingress' }).one('Ingress').metadata.annotations).toMatchObject({ 'nginx.ingress.kubernetes.io/proxy-body-size': '1000M' });
    const traefik = build({ type: 'ingress', ingressClassName: 'traefik', hostnames: ['fl.example.com', 'fl.example.org'] }).one('Ingress');
    expect(traefik.metadata.annotations).toBeUndefined();
    expect(traefik.spec).toMatchObject({ ingressClassName: 'traefik', rules: [{ host: 'fl.example.com' }, { host: 'fl.example.org' }] });
    expect(traefik.spec.rules[0].http).toEqual(traefik.spec.rules[1].http);
    expect(build({ type: 'ingress' }).one('Ingress').spec.rules.map((r: any) => r.host)).toEqual([undefined]);
  });
});
