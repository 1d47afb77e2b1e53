import { Testing } from 'cdk8s';
import { EdgeFleet, EdgeSite, OutputFile } from '../../lib';
import { edgeFilePath } from '../../lib/edge/shards';
import { CONTEXT, DB, objects, siteSettings } from './support';

/** A resolved edge node. */
function site(nodeName: string, address: string): EdgeSite {
  return {
    nodeName,
    address,
    arch: 'arm64',
    settings: siteSettings(nodeName),
    tolerations: [],
    nodeLabels: { 'kubernetes.io/cluster_id': nodeName },
  };
}

describe('EdgeFleet', () => {
  const chart = Testing.chart();
  const fleet = new EdgeFleet(chart, 'Fleet', {
    context: CONTEXT,
    apiAccess: { mode: 'sidecar' },
    clusterDns: true,
    shards: 4,
    sites: [site('jetson-1', '192.168.1.20'), site('jetson-2', '192.168.1.21')],
    db: DB,
    proxyAddress: '203.0.113.10:30091',
  });
  const out = objects(chart);

  test('one output file per node, holding its task manager and the labels it must carry', () => {
    const files = fleet.node.findAll().filter(OutputFile.isOutputFile);
    expect(files.map((f) => f.node.id)).toEqual(['jetson-1', 'jetson-2']);
    expect(files.map((f) => f.outputPath)).toEqual(['jetson-1', 'jetson-2'].map((n) => edgeFilePath(n, 4)));
    expect(out.one('Deployment', 'fl-edge-jetson-1').spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'jetson-1' });
    expect(out.one('ConfigMap', 'fl-edge-jetson-2').data).toMatchObject({ node: 'jetson-2', labels: 'kubernetes.io/cluster_id=jetson-2' });
  });

  test('shared objects once for the fleet: the node labeler and, in sidecar mode, one ServiceAccount bound to read Nodes', () => {
    expect(out.one('CronJob', 'fl-node-labeler').spec.schedule).toBe('*/10 * * * *');
    expect(out.one('ClusterRoleBinding', 'fl-edge-task-managers').subjects).toEqual([{ kind: 'ServiceAccount', name: 'fl-edge-task-managers', namespace: 'fl-system' }]);
    expect(out.all.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name)).toEqual(['fl-node-labeler', 'fl-edge-task-managers']);
    expect(out.all.filter((o) => o.kind === 'ClusterRoleBinding').map((o) => o.metadata.name)).toEqual(['fl-node-labeler', 'fl-edge-task-managers']);
  });
});
