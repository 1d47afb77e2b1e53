/**
 * Output files. Each Chart is written to one file; an {@link OutputFile}
 * inside a chart takes the objects below it into a file of its own (the edge
 * fleet: one chart, one file per node, so synthesis stays linear).
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';

/** Brand of {@link OutputFile} instances; a registered symbol, so it works across module copies. */
const OUTPUT_FILE = Symbol.for('neursafe-fl.OutputFile');

/** A group of objects written to their own file, relative to the output folder. */
export class OutputFile extends Construct {
  /** True for OutputFile instances only (a {@link FileChart} has an output path too, but is not one). */
  public static isOutputFile(x: unknown): x is OutputFile {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[OUTPUT_FILE] === true;
  }

  /**
   * @param outputPath file path relative to the output folder, e.g. `edge/node-1.k8s.yaml`
   */
  constructor(scope: Construct, id: string, public readonly outputPath: string) {
    super(scope, id);
    Object.defineProperty(this, OUTPUT_FILE, { value: true });
  }
}

/** A chart written to `outputPath`. */
export class FileChart extends Chart {
  /**
   * @param outputPath file path relative to the output folder
   */
  constructor(scope: Construct, id: string, public readonly outputPath: string) {
    super(scope, id, { disableResourceNameHashes: true });
  }
}

/**
 * Calls `visit` with every ApiObject of `app` and the file it is written to
 * (its {@link OutputFile}'s, else its chart's), in construct order.
 * @throws Error when a child of `app` is not a {@link FileChart} (a bug)
 */
export function forEachObject(app: App, visit: (file: string, obj: ApiObject) => void): void {
  const walk = (c: IConstruct, file: string) => {
    const here = OutputFile.isOutputFile(c) ? c.outputPath : file;
    if (ApiObject.isApiObject(c)) visit(here, c);
    for (const child of c.node.children) walk(child, here);
  };
  for (const chart of app.node.children) {
    if (!(chart instanceof FileChart)) throw new Error(`internal: ${chart.node.path} is not a FileChart`);
    for (const child of chart.node.children) walk(child, (chart as FileChart).outputPath);
  }
}

/** Folder (under the output folder) of the Argo CD objects. */
export const ARGOCD_DIR = 'argocd';

/**
 * The output files of the charts. Top-level files sort in apply order;
 * edge nodes' files are `edge/<shard>/<node>.k8s.yaml` (see edge/shards.ts),
 * remote sites' `sites/<site>/site.k8s.yaml` (components/remote-sites.ts).
 */
export const OUTPUT_FILES = {
  cluster: '00-cluster.k8s.yaml',
  networkPolicies: '05-network-policies.k8s.yaml',
  database: '10-database.k8s.yaml',
  platform: '20-platform.k8s.yaml',
  remoteSites: '25-remote-sites.k8s.yaml',
  edge: '30-edge.k8s.yaml',
  argocd: `${ARGOCD_DIR}/application.k8s.yaml`,
  argocdFleet: `${ARGOCD_DIR}/applicationset.k8s.yaml`,
  argocdCertManager: `${ARGOCD_DIR}/cert-manager.k8s.yaml`,
  argocdCloudCore: `${ARGOCD_DIR}/cloudcore.k8s.yaml`,
  argocdRemoteSites: `${ARGOCD_DIR}/remote-sites.k8s.yaml`,
} as const;
