/**
 * A second cdk8s app built on the library: the Neursafe FL platform from a
 * config object, plus one edge site added by hand with the edge variant of
 * the TaskManager construct (instead of listing the node under `edge.nodes`).
 *
 *   npx tsx examples/app/main.ts      # writes examples/app/dist/
 */
import { App, Chart } from 'cdk8s';
import { edgeSiteWiring, NeursafePlatform, resourceName, siteDirs, TASK_MANAGER_DEFAULTS, TaskManager } from '../../lib';

/** The edge node of the hand-made site. */
const NODE = { name: 'jetson-1', address: '192.168.1.20' };

/** Builds the example into `app`: the platform's charts and one chart for the edge site. */
export function buildExample(app: App): { platform: NeursafePlatform; edgeSite: Chart } {
  const platform = new NeursafePlatform(app, 'fl', {
    config: {
      name: 'fl',
      namespace: 'federated',
      cluster: { dnsServiceIP: '10.96.0.10' },
      proxy: { externalAddress: '203.0.113.10:30091' },
      images: { tag: '0.1.0' },
    },
  });

  const { context } = platform;
  const server = platform.edgeProxyAddress!;
  const image = `${context.images.registry}/nsfl-client-cpu:${context.images.tag}`;
  const edgeSite = new Chart(app, 'edge-site', { disableResourceNameHashes: true });
  // Its own certificate (TLS is on by default), and the database verified with its CA, as every fleet node has.
  const { db, tls } = edgeSiteWiring(platform.edgeDatabase, platform.edgeTls, NODE.name);
  new TaskManager(edgeSite, 'TaskManager', {
    context,
    name: resourceName(context, `edge-${NODE.name}`),
    site: NODE.name,
    server,
    db,
    tls,
    waitFor: [{ what: 'proxy', address: server }],
    variant: {
      kind: 'edge',
      nodeName: NODE.name,
      nodeAddress: NODE.address,
      tolerations: [],
      // The node's MetaServer: no ServiceAccount, no sidecar.
      api: { mode: 'metaserver' },
      clusterDns: false,
    },
    settings: {
      ...TASK_MANAGER_DEFAULTS,
      runtime: ['pytorch'],
      clusterLabelKey: 'kubernetes.io/cluster_id',
      clusterLabelValue: NODE.name,
      image,
      executorImage: image,
      env: {},
      dirs: siteDirs({}, '/var/lib/neursafe-fl'),
    },
  });
  return { platform, edgeSite };
}

if (require.main === module) {
  const app = new App({ outdir: `${__dirname}/dist` });
  buildExample(app);
  app.synth();
}
