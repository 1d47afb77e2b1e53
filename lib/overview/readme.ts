/**
 * dist/README.md: a picture of the generated platform for reviewers (GitHub
 * and GitLab render its Mermaid diagram). The diagram is the graph of the
 * flows the NetworkPolicies are rendered from (graph.ts); the boxes carry the
 * Services and how each is reached, from the generated objects (objects.ts);
 * the edge fleet is one box however many nodes it has. Not a manifest:
 * `kubectl apply -f` on a folder and Argo CD's directory source read only
 * `.yaml`, `.yml` and `.json` files.
 */
import { overviewDiagram } from './diagram';
import { exposures } from './exposure';
import { OverviewInput } from './input';
import { EDGE_NODE_FILES } from './objects';
import { count } from './text';

/** Path of the page in the output folder. */
export const OVERVIEW_FILE = 'README.md';

/** A Markdown table cell: pipes escaped, no line breaks. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The page. */
export function renderOverview(input: OverviewInput): string {
  const out: string[] = [input.header.trimEnd(), `# The generated platform: \`${input.name}\` in namespace \`${input.namespace}\``, ''];
  out.push(
    input.policyFile !== undefined
      ? `Components, their Services and every connection the NetworkPolicies (\`${input.policyFile}\`) allow: each arrow is one allowed flow, labelled with its destination ports, and nothing else ` +
        `is allowed. "any address" is every address in or outside the cluster (NodePorts, node addresses, the API server, external services).`
      : 'Components, their Services and every connection the platform needs, labelled with the destination ports. `networkPolicies.enabled` is false: no NetworkPolicy is written, so nothing ' +
        'restricts other traffic.',
    '',
    '```mermaid',
    overviewDiagram(input).trimEnd(),
    '```',
    '',
    '## How each component is reached',
    '',
    '| component | Service | port | reached |',
    '|---|---|---|---|',
    ...exposures(input).map((r) => `| ${cell(r.component)} | ${cell(r.service)} | ${cell(r.port)} | ${cell(r.reached)} |`),
    '',
    '## What is where',
    '',
    '| file | holds |',
    '|---|---|',
  );
  for (const [file, kinds] of [...input.objects.kinds].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const what = [...kinds].map(([kind, n]) => (n === 1 ? kind : `${kind} ×${n}`)).join(', ');
    const edge = input.objects.edgeFiles;
    const shown = file === EDGE_NODE_FILES ? `\`${file}\` (${count(edge.files.size, 'file')} in ${count(edge.shards.size, 'shard')})` : `\`${file}\``;
    out.push(`| ${cell(shown)} | ${cell(what)} |`);
  }
  for (const [file, what] of input.records) out.push(`| \`${cell(file)}\` | ${cell(what)} |`);
  out.push(`| \`${OVERVIEW_FILE}\` | this page; not a manifest (\`kubectl apply -f\` on a folder and Argo CD read only .yaml, .yml and .json files) |`, '');
  return out.join('\n');
}
