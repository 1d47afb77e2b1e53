import { Testing } from 'cdk8s';
import { NodeReaderRole, ProgramIdentity, ServiceAccountToken, WorkloadRoles } from '../../lib';
import { CONTEXT, objects } from './support';

describe('WorkloadRoles, NodeReaderRole and ProgramIdentity', () => {
  test('least-privilege Roles in default for the pods the programs create, Nodes read-only cluster-wide', () => {
    const chart = Testing.chart();
    new WorkloadRoles(chart, 'Roles', { context: CONTEXT });
    new NodeReaderRole(chart, 'Nodes', { context: CONTEXT });
    const out = objects(chart);
    for (const name of ['fl-job-scheduler', 'fl-task-manager']) {
      expect(out.one('Role', name)).toMatchObject({ metadata: { namespace: 'default' }, rules: [{ resources: ['pods', 'services'], verbs: ['create', 'get', 'delete'] }] });
    }
    expect(out.one('ClusterRole', 'fl-task-manager-nodes').rules).toEqual([{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }]);
  });

  test('a program identity: its ServiceAccount and its bindings', () => {
    const chart = Testing.chart();
    const id = new ProgramIdentity(chart, 'Identity', { context: CONTEXT, name: 'fl-edge-task-managers', component: 'task-manager', role: 'fl-task-manager' });
    const out = objects(chart);
    expect(id.serviceAccountName).toBe('fl-edge-task-managers');
    expect(out.one('ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(out.one('RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'fl-edge-task-managers', namespace: 'fl-system' }]);
    expect(out.all.filter((o) => o.kind === 'ClusterRoleBinding' || o.kind === 'Secret')).toEqual([]);
  });

  test('a long-lived token Secret of a ServiceAccount, for pods on nodes that go offline', () => {
    const chart = Testing.chart();
    const token = new ServiceAccountToken(chart, 'Token', { context: CONTEXT, name: 'fl-edge-a-token', serviceAccountName: 'fl-edge-task-managers', labels: { a: 'b' } });
    expect(token.secretName).toBe('fl-edge-a-token');
    expect(objects(chart).one('Secret')).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'fl-edge-a-token', namespace: 'fl-system', labels: { a: 'b' }, annotations: { 'kubernetes.io/service-account.name': 'fl-edge-task-managers' } },
      type: 'kubernetes.io/service-account-token',
    });
  });
});
