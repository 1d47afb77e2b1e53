import { Testing } from 'cdk8s';
import { TaskManager, TaskManagerProps, TaskManagerSettings } from '../../lib';
import { container, CONTEXT, DB, envOf, expectSingleton, objects, siteSettings } from './support';

/** Settings of a site, as the resolver gives them. */
const SETTINGS = siteSettings('site-a');

describe('TaskManager', () => {
  const build = (variant: TaskManagerProps['variant'], settings: TaskManagerSettings = SETTINGS) => {
    const chart = Testing.chart();
    const tm = new TaskManager(chart, 'TaskManager', {
      context: CONTEXT,
      name: 'fl-tm',
      site: variant.kind === 'edge' ? variant.nodeName : 'cloud',
      settings,
      server: '203.0.113.10:30091',
      db: DB,
      waitFor: [{ what: 'proxy', address: '203.0.113.10:30091' }],
      variant,
    });
    return { tm, out: objects(chart) };
  };

  test('edge variant: pinned to its node, reached at the node address and host port, kept through outages, no Service', () => {
    const { tm, out } = build({ kind: 'edge', nodeName: 'jetson-1', nodeAddress: '192.168.1.20', tolerations: [], api: { mode: 'metaserver' }, clusterDns: false });
    expect(tm.externalAddress).toBe('192.168.1.20:22000');
    expect(out.all.filter((o) => o.kind === 'Service')).toEqual([]);
    const d = out.one('Deployment', 'fl-tm');
    expectSingleton(d, 'task-manager', 'jetson-1');
    const pod = d.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'jetson-1' });
    expect(pod.tolerations.map((t: any) => t.key)).toEqual(['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready']);
    const c = container(d, 'task-manager');
    expect(c.ports).toEqual([{ name: 'grpc', containerPort: 22000, hostPort: 22000, protocol: 'TCP' }]);
    expect(c.readinessProbe.tcpSocket).toEqual({ port: 22000 });
    expect(envOf(c)).toMatchObject({ K8S_ADDRESS: '127.0.0.1:10550', WORKER_PORT: '8050' });
    expect(JSON.parse(out.one('ConfigMap').data['task_manager_setup.json'])).toMatchObject({ server: '203.0.113.10:30091', external_address: '192.168.1.20:22000' });
  });

  test('cluster variant: a Service gives coordinators its address; its own identity reads Nodes', () => {
    const { tm, out } = build({ kind: 'cluster' });
    expect(tm.externalAddress).toBe('fl-tm.fl-system.svc:22000');
    expect(out.one('ClusterRoleBinding').roleRef.name).toBe('fl-task-manager-nodes');
    expect(container(out.one('Deployment'), 'api-proxy')).toBeDefined();
  });

  test('ports are checked, naming the prop', () => {
    expect(() => build({ kind: 'cluster' }, { ...SETTINGS, workerPort: 0 })).toThrow(/props\.settings\.workerPort is 0, expected an integer from 1 to 65535/);
    expect(() => build({ kind: 'edge', nodeName: 'n', nodeAddress: '10.0.0.1', tolerations: [], api: { mode: 'metaserver' }, clusterDns: false }, { ...SETTINGS, port: 70000 })).toThrow(
      /props\.settings\.port is 70000/,
    );
  });
});
