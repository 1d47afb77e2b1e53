/**
 * The edge fleet as a component: every enabled edge node's task manager (in
 * its own file under edge/, lib/edge/fleet.ts), the node labeler, and the
 * database's Service for edge nodes when the config exposes one.
 */
import { reachedAt } from '../blocks/database-client';
import { defineComponent } from '../blocks/define';
import { EdgeFleet } from '../edge/fleet';
import { OUTPUT_FILES } from '../file-chart';
import { databaseComponent } from './database';

/** The edge task managers, when the config has enabled edge nodes; its build returns the nodes when left unbuilt (`deferEdgeNodes`). */
export const edgeFleetComponent = defineComponent({
  name: 'edge-fleet',
  file: OUTPUT_FILES.edge,
  build: (scope, { model, built, deferEdgeNodes }) => {
    const { context, edge } = model;
    if (edge.sites.length === 0) return undefined;
    const database = built(databaseComponent);
    const apiAccess = edge.settings.apiAccess;
    const fleet = new EdgeFleet(scope, 'Fleet', {
      context,
      apiAccess: apiAccess.mode === 'sidecar' ? { mode: 'sidecar', server: apiAccess.server } : { mode: 'metaserver' },
      clusterDns: edge.settings.edgeMesh,
      shards: model.gitops.edgeShards,
      sites: edge.sites,
      db: reachedAt(database.connection, edge.database),
      // Presence is guaranteed by the edge rules.
      proxyAddress: edge.proxyAddress!,
      tls: edge.certificates,
      deferNodes: deferEdgeNodes,
    });
    const embedded = model.database.type === 'embedded' ? model.database.embedded : undefined;
    if (database.serviceName && embedded?.edgeNodePort !== undefined) database.exposeForEdge({ type: 'NodePort', nodePort: embedded.edgeNodePort });
    if (database.serviceName && embedded?.edgeLoadBalancer !== undefined) database.exposeForEdge({ type: 'LoadBalancer', ...embedded.edgeLoadBalancer });
    return fleet.deferred;
  },
});
