import { App, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { FileChart, OutputFile } from '../../lib/file-chart';

describe('OutputFile.isOutputFile', () => {
  test('is true for an OutputFile only, not for a FileChart that also has an output path', () => {
    const app = Testing.app();
    const chart = new FileChart(app, 'chart', 'chart.k8s.yaml');
    const file = new OutputFile(chart, 'file', 'edge/node.k8s.yaml');
    expect(OutputFile.isOutputFile(file)).toBe(true);
    expect(OutputFile.isOutputFile(chart)).toBe(false);
    expect(OutputFile.isOutputFile(new Chart(new App(), 'plain'))).toBe(false);
    expect(OutputFile.isOutputFile(new Construct(chart, 'other'))).toBe(false);
    expect(OutputFile.isOutputFile({ outputPath: 'x' })).toBe(false);
  });
});
