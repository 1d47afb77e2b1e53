import { Testing } from 'cdk8s';
import { Proxy, ProxyProps } from '../../lib';
import { container, CONTEXT, expectSingleton, objects, service } from './support';

describe('Proxy', () => {
  const build = (expose: Partial<ProxyProps['expose']> = {}) => {
    const chart = Testing.chart();
    const proxy = new Proxy(chart, 'Proxy', {
      context: CONTEXT,
      grpcPort: 30091,
      httpPort: 30092,
      sharedDictSize: '128m',
      clientMaxBodySize: '1000M',
      expose: { type: 'NodePort', nodePort: 30091, externalIPs: [], annotations: {}, ...expose },
      dnsServiceIP: '10.96.0.10',
      selector: service(chart, 'client-selector', { grpc: 50055 }),
      routeToken: { name: 'fl-route-token', key: 'token' },
    });
    return { proxy, out: objects(chart) };
  };

  test('a singleton whose nginx.conf sends /ClientService to the selector, resolved by the cluster DNS', () => {
    const { out } = build();
    const d = out.one('Deployment', 'fl-proxy');
    expectSingleton(d, 'proxy');
    expect(out.one('ConfigMap').data['nginx.conf']).toContain('fl-client-selector.fl-system.svc.cluster.local:50055');
    expect(d.spec.template.spec).toMatchObject({ dnsPolicy: 'None', dnsConfig: { nameservers: ['10.96.0.10'] } });
    expect(container(d, 'proxy').volumeMounts).toEqual([{ name: 'config', mountPath: '/nginx/conf/nginx.conf', subPath: 'nginx.conf' }]);
  });

  test('the gRPC port leaves the cluster on a second Service; the HTTP port never does', () => {
    const { proxy, out } = build();
    expect(proxy.externalService.name).toBe('fl-proxy-external');
    expect(out.one('Service', 'fl-proxy-external').spec).toMatchObject({ type: 'NodePort', ports: [{ name: 'grpc', port: 30091, nodePort: 30091 }] });
    const ext = build({ type: 'ExternalIPs', externalIPs: ['203.0.113.10'] }).out.one('Service', 'fl-proxy-external').spec;
    expect(ext).toMatchObject({ type: 'ClusterIP', externalIPs: ['203.0.113.10'] });
    expect(ext.ports[0].nodePort).toBeUndefined();
  });
});
