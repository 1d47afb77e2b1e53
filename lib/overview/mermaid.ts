/**
 * A Mermaid flowchart as text, written with a few rules that keep any label
 * safe: identifiers are `n_` or `g_` and letters, digits and `_` (never a
 * keyword such as `end`, never starting with `o` or `x`, which Mermaid reads
 * as an edge end), every label is double-quoted, and the characters Mermaid
 * or HTML would interpret inside quotes are written as entity codes.
 */

/** A node: its identifier, the lines of its label, its shape. */
export interface MermaidNode {
  /** Identifier (see the module's rules). */
  readonly id: string;
  /** Label lines, plain text (escaped here). */
  readonly lines: readonly string[];
  /** `box` for the platform's pods, `stadium` for other parties. */
  readonly shape: 'box' | 'stadium';
}

/** A subgraph: a titled box of nodes. */
export interface MermaidGroup {
  /** Identifier (see the module's rules). */
  readonly id: string;
  /** Title, plain text. */
  readonly title: string;
  /** Its nodes. */
  readonly nodes: readonly MermaidNode[];
}

/** An arrow from one node to another, labelled. */
export interface MermaidEdge {
  /** Identifier of the node it starts at. */
  readonly from: string;
  /** Identifier of the node it points to. */
  readonly to: string;
  /** Label, plain text. */
  readonly label: string;
}

/** The identifiers this module writes. */
export const MERMAID_ID = /^[ng]_[A-Za-z0-9_]+$/;

/** Entity codes of the characters that must not appear raw inside a quoted label. */
const ENTITIES: Readonly<Record<string, string>> = { '#': '#35;', '"': '#quot;', '&': '#38;', '<': '#lt;', '>': '#gt;', '|': '#124;', '`': '#96;', '\n': ' ' };

/** Plain text as it may stand inside a double-quoted Mermaid label. */
export function mermaidText(text: string): string {
  return text.replace(/[#"&<>|`\n]/g, (c) => ENTITIES[c]);
}

function checkId(id: string): string {
  if (!MERMAID_ID.test(id)) throw new Error(`internal: ${JSON.stringify(id)} is not a diagram identifier`);
  return id;
}

function nodeLine(n: MermaidNode): string {
  const label = `"${n.lines.map(mermaidText).join('<br/>')}"`;
  return `${checkId(n.id)}${n.shape === 'box' ? `[${label}]` : `([${label}])`}`;
}

/** The flowchart (left to right), without the Markdown fence. */
export function mermaidFlowchart(groups: readonly MermaidGroup[], loose: readonly MermaidNode[], edges: readonly MermaidEdge[]): string {
  const lines = ['flowchart LR'];
  for (const g of groups) {
    lines.push(`  subgraph ${checkId(g.id)}["${mermaidText(g.title)}"]`);
    for (const n of g.nodes) lines.push(`    ${nodeLine(n)}`);
    lines.push('  end');
  }
  for (const n of loose) lines.push(`  ${nodeLine(n)}`);
  for (const e of edges) lines.push(`  ${checkId(e.from)} -->|"${mermaidText(e.label)}"| ${checkId(e.to)}`);
  return `${lines.join('\n')}\n`;
}
