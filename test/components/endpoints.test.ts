import { Testing } from 'cdk8s';
import { ClientEndpoints } from '../../lib';
import { CONTEXT, objects } from './support';

describe('ClientEndpoints', () => {
  test('what the CLI and remote sites are told to use', () => {
    const chart = Testing.chart();
    new ClientEndpoints(chart, 'Endpoints', {
      context: CONTEXT,
      apiGateway: { type: 'httpRoute', hostnames: ['fl.example.com', 'fl.example.org'] },
      objectStorage: { nodePort: 30900 },
      proxy: { externalAddress: '203.0.113.10:30091' },
    });
    expect(objects(chart).one('ConfigMap', 'fl-endpoints').data).toEqual({
      'api-server': 'fl.example.com',
      'data-server': 'http://<any cloud node address>:30900',
      'proxy-grpc': '203.0.113.10:30091',
    });
  });

  test('an external upload endpoint and no API gateway', () => {
    const chart = Testing.chart();
    new ClientEndpoints(chart, 'Endpoints', { context: CONTEXT, objectStorage: { endpoint: 'https://s3.example.com' }, proxy: { nodePort: 30091 } });
    expect(objects(chart).one('ConfigMap').data).toEqual({
      'api-server': 'disabled (apiGateway.enabled is false)',
      'data-server': 'https://s3.example.com',
      'proxy-grpc': '<any cloud node address>:30091',
    });
  });
});
