import { Testing } from 'cdk8s';
import { JobScheduler } from '../../lib';
import { container, CONTEXT, DB, envOf, expectSingleton, objects, service, sharedRoot } from './support';

describe('JobScheduler', () => {
  const chart = Testing.chart();
  const wiring = {
    db: DB,
    root: sharedRoot(),
    selector: service(chart, 'client-selector', { grpc: 50055 }),
    modelManager: service(chart, 'model-manager', { http: 8090 }),
    proxy: service(chart, 'proxy', { grpc: 30091, http: 30092 }),
    routeToken: { name: 'fl-route-token', key: 'token' },
  };
  const scheduler = new JobScheduler(chart, 'JobScheduler', { context: CONTEXT, port: 8088, logLevel: 'INFO', ...wiring });
  const out = objects(chart);
  const deployment = out.one('Deployment', 'fl-job-scheduler');

  test('a singleton Deployment behind its Service', () => {
    expectSingleton(deployment, 'job-scheduler');
    expect(scheduler.service.address('http')).toBe('fl-job-scheduler.fl-system.svc:8088');
  });

  test('the environment the program needs, addresses derived from the Services it is wired to', () => {
    expect(envOf(container(deployment, 'job-scheduler'))).toMatchObject({
      HTTP_PORT: '8088',
      JOB_SCHEDULER_ADDRESS: 'fl-job-scheduler.fl-system.svc:8088',
      SELECTOR_ADDRESS: 'fl-client-selector.fl-system.svc:50055',
      MODEL_MANAGER_ADDRESS: 'fl-model-manager.fl-system.svc:8090',
      PROXY_ADDRESS: 'fl-proxy.fl-system.svc:30092',
      COORDINATOR_IMAGE: 'registry.example.com/nsfl/nsfl-coordinator:1.2.3',
      K8S_ADDRESS: '127.0.0.1:8001',
      TOKEN: 'fl-route-token:token',
      TEMP_DIR: 'coordinators',
    });
    expect(container(deployment, 'job-scheduler').image).toBe('registry.example.com/nsfl/nsfl-job-scheduler:1.2.3');
  });

  test('its own ServiceAccount, bound to the job scheduler Role in default, and the API proxy sidecar first', () => {
    expect(out.one('RoleBinding')).toMatchObject({ metadata: { namespace: 'default' }, roleRef: { kind: 'Role', name: 'fl-job-scheduler' } });
    expect(deployment.spec.template.spec.serviceAccountName).toBe('fl-job-scheduler');
    expect(deployment.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['api-proxy', 'job-scheduler']);
    expect(deployment.spec.template.spec.initContainers.map((c: any) => c.name)).toEqual(['prepare-shared-root', 'wait-for-database']);
  });
});
