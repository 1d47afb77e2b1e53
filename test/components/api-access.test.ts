import { Testing } from 'cdk8s';
import { NodeReaderRole, ProgramIdentity, WorkloadRoles } from '../../lib';
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

  test('a program identity: its ServiceAccount, its bindings and, for offline nodes, a long-lived token', () => {
    const chart = Testing.chart();
    const id = new ProgramIdentity(chart, 'Identity', { context: CONTEXT, name: 'fl-edge-a', component: 'task-manager', site: 'a', role: 'fl-task-manager', longLivedToken: true });
    const out = objects(chart);
    expect(out.one('ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(out.one('RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'fl-edge-a', namespace: 'fl-system' }]);
    expect(id.tokenSecret).toBe('fl-edge-a-token');
    expect(out.one('Secret').type).toBe('kubernetes.io/service-account-token');
    expect(out.all.filter((o) => o.kind === 'ClusterRoleBinding')).toEqual([]);
  });
});
