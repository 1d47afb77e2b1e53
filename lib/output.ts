/**
 * Output files. Each Chart is written to one file; an {@link OutputFile}
 * inside a chart takes the objects below it into a file of its own (the edge
 * fleet: one chart, one file per node, so synthesis stays linear).
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';

/** A group of objects written to their own file, relative to the output folder. */
export class OutputFile extends Construct {
  /** True for OutputFile instances (works across module copies). */
  public static isOutputFile(x: unknown): x is OutputFile {
    return x instanceof Construct && (x as OutputFile).outputPath !== undefined;
  }

  /**
   * @param outputPath file path relative to the output folder, e.g. `edge/node-1.k8s.yaml`
   */
  constructor(scope: Construct, id: string, public readonly outputPath: string) {
    super(scope, id);
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
