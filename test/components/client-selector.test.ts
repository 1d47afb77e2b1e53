import { Testing } from 'cdk8s';
import { ClientSelector } from '../../lib';
import { container, CONTEXT, envOf, expectSingleton, objects } from './support';

describe('ClientSelector', () => {
  const props = { context: CONTEXT, port: 50055, logLevel: 'INFO', authClient: false, optimalSelect: true, singleHeartbeat: 300, clusterHeartbeat: 600 };
  const chart = Testing.chart();
  const selector = new ClientSelector(chart, 'ClientSelector', props);
  const out = objects(chart);
  const deployment = out.one('Deployment', 'fl-client-selector');

  test('a singleton gRPC service with TCP probes (no gRPC health service) and its heartbeats', () => {
    expectSingleton(deployment, 'client-selector');
    const c = container(deployment, 'client-selector');
    expect(c.readinessProbe.tcpSocket).toEqual({ port: 50055 });
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 50055 });
    expect(envOf(c)).toEqual({ SINGLE_HEART: '300', CLUSTER_HEART: '600' });
    expect(selector.service.address('grpc')).toBe('fl-client-selector.fl-system.svc:50055');
  });

  test('its JSON config file, mounted where the command reads it', () => {
    const file = JSON.parse(out.one('ConfigMap').data['selector.json']);
    expect(file).toEqual({ port: 50055, auth_client: 'false', optimal_select: 'true' });
    const c = container(deployment, 'client-selector');
    expect(c.command).toContain('/etc/nsfl/selector.json');
    expect(c.volumeMounts).toEqual([{ name: 'config', mountPath: '/etc/nsfl' }]);
  });

  test('a config change rolls the pod', () => {
    const other = Testing.chart();
    new ClientSelector(other, 'ClientSelector', { ...props, authClient: true });
    const annotation = (d: any) => d.spec.template.metadata.annotations['checksum/config'];
    expect(annotation(objects(other).one('Deployment'))).not.toEqual(annotation(deployment));
  });
});
