/**
 * Output files. Each Chart is written to one file; an {@link OutputFile}
 * inside a chart takes the objects below it into a file of its own (the edge
 * fleet: one chart, one file per node, so synthesis stays linear).
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';

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
