/**
 * Composes the whole platform from its resolved model: every registered
 * component (lib/registry.ts) builds its objects into the chart of its output
 * file, one chart per file, split along what a reviewer wants to see in a
 * Git diff.
 */
import { Construct } from 'constructs';
import { reachedAt, DatabaseConnection } from './blocks/database-client';
import { buildComponents, ComponentDefinition } from './blocks/define';
import { SharedRoot } from './blocks/shared-root';
import { clientSelectorComponent } from './components/client-selector';
import { databaseComponent, databaseEndpoint } from './components/database';
import { jobSchedulerComponent } from './components/job-scheduler';
import { modelManagerComponent } from './components/model-manager';
import { Proxy, proxyComponent } from './components/proxy';
import { edgeFleetComponent } from './components/edge-fleet';
import { DeferredEdgeNodes, EdgeTls } from './edge/fleet';
import { FileChart, OUTPUT_FILES } from './file-chart';
import { Flow, sharedFlows } from './network/flows';
import { REGISTRY } from './registry';
import type { PlatformContext } from './resolve/context';
import type { PlatformModel } from './resolve/model';

/** What other constructs (e.g. an edge site added by hand) connect to. */
export interface PlatformParts {
  /** Names, labels, namespace and images of the platform instance. */
  readonly context: PlatformContext;
  /** The database as cloud programs reach it. */
  readonly database: DatabaseConnection;
  /** The database as edge nodes reach it (`edge.databaseAddress` when set). */
  readonly edgeDatabase: DatabaseConnection;
  /** The proxy: task managers' gRPC entry. */
  readonly proxy: Proxy;
  /** host:port at which edge nodes reach the proxy's gRPC port, when known (`edge.proxyAddress`, else `proxy.externalAddress`). */
  readonly edgeProxyAddress?: string;
  /**
   * The edge nodes' certificates (see `edgeSiteWiring`).
   * @default none: TLS is off
   */
  readonly edgeTls?: EdgeTls;
  /** Every flow of the platform, in the order of `sortFlows`: what the NetworkPolicies allow (when on) and dist/README.md draws. */
  readonly flows: readonly Flow[];
  /**
   * The edge nodes, left unbuilt with {@link BuildOptions.deferEdgeNodes}.
   * @default none: every node is built in the app (or there are none)
   */
  readonly edgeNodes?: DeferredEdgeNodes;
}

/** Options of {@link buildPlatform}. */
export interface BuildOptions {
  /**
   * Leave the edge nodes' files unbuilt and return them as {@link PlatformParts.edgeNodes}, to be built one by one.
   * @default false
   */
  readonly deferEdgeNodes?: boolean;
}

/**
 * Builds every chart of the platform into `app`: the App (each chart a
 * top-level output file, as synth.ts expects), or any construct of another
 * cdk8s app (see lib/neursafe-platform.ts).
 * @param model the resolved platform (`LoadedConfig.model`)
 * @param components the components to build, in order; the config must have been checked for them (`LoadedConfig.components`)
 * @param options how the edge nodes are built
 */
export function buildPlatform(app: Construct, model: PlatformModel, components: readonly ComponentDefinition[] = REGISTRY, options: BuildOptions = {}): PlatformParts {
  const charts = new Map<string, FileChart>();
  const chart = (file: string): FileChart => {
    if (!charts.has(file)) charts.set(file, new FileChart(app, chartId(file), file));
    return charts.get(file)!;
  };
  const root = new SharedRoot(model.context, model.sharedRoot);
  const { built, flows } = buildComponents({ model, root, chart, deferEdgeNodes: options.deferEdgeNodes }, components, (builtSoFar) => {
    const database = builtSoFar(databaseComponent);
    return sharedFlows({
      model,
      jobScheduler: builtSoFar(jobSchedulerComponent).service,
      modelManager: builtSoFar(modelManagerComponent).service,
      selector: builtSoFar(clientSelectorComponent).service,
      proxy: builtSoFar(proxyComponent).service,
      edgeDatabase: { ...databaseEndpoint(database), address: reachedAt(database.connection, model.edge.database).address },
    });
  });
  // A file whose components made nothing (e.g. Argo CD turned off) is not written.
  for (const c of charts.values()) if (c.node.children.length === 0) app.node.tryRemoveChild(c.node.id);

  const database = built(databaseComponent).connection;
  return {
    context: model.context,
    database,
    edgeDatabase: reachedAt(database, model.edge.database),
    proxy: built(proxyComponent),
    edgeProxyAddress: model.edge.proxyAddress,
    edgeTls: model.edge.certificates,
    flows,
    edgeNodes: components.includes(edgeFleetComponent) ? built(edgeFleetComponent) : undefined,
  };
}

/** The id of a file's chart: its `OUTPUT_FILES` key in kebab case (e.g. `network-policies`), else the path. */
function chartId(file: string): string {
  const key = Object.entries(OUTPUT_FILES).find(([, f]) => f === file)?.[0];
  return key === undefined ? file : key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
