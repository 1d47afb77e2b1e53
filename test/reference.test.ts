/**
 * The generated configuration reference (docs/configuration.md): every field
 * described, required fields first, shared blocks described once, links that
 * resolve. Its staleness is checked in config.test.ts.
 */
import { configReferenceMarkdown, anchorOf, markdownText } from '../lib/config/reference';

const md = configReferenceMarkdown();
const rows = md.split('\n').filter((l) => l.startsWith('| `'));
const cells = (row: string) => row.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());

test('every field row has a description', () => {
  expect(rows.filter((r) => cells(r)[3] === '')).toEqual([]);
});

test('within each object, required fields come before the others', () => {
  const byParent = new Map<string, string[]>();
  // Each shared block's table has fields of its own, relative to the block.
  let block = '';
  for (const line of md.split('\n')) {
    if (line.startsWith('#')) block = line;
    if (!line.startsWith('| `')) continue;
    const [field, , def] = cells(line);
    const path = field.slice(1, -1);
    const parent = `${block}: ${path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : ''}`;
    byParent.set(parent, [...(byParent.get(parent) ?? []), def]);
  }
  for (const [parent, defs] of byParent) {
    const firstOptional = defs.findIndex((d) => d !== '**required**');
    const lastRequired = defs.lastIndexOf('**required**');
    expect({ parent, ok: firstOptional === -1 || lastRequired < firstOptional }).toEqual({ parent, ok: true });
  }
  expect(rows[rows.findIndex((r) => r.startsWith('| `edge.nodes[].'))]).toMatch(/^\| `edge\.nodes\[\]\.name` .*\*\*required\*\*/);
});

test('resources and edge settings are described once and linked from every use', () => {
  expect(rows.filter((r) => /\.resources\.requests/.test(r))).toEqual([]);
  expect(rows.filter((r) => r.startsWith('| `edge.defaults.') || r.startsWith('| `edge.profiles.'))).toEqual([]);
  expect(md).toContain('| `jobScheduler.resources` | object: [resources](#shared-resources) |');
  expect(md).toContain('| `edge.nodes[].*` | | | Every field of [edge settings](#shared-edge-settings) too. |');
  expect(md.match(/^#### Shared: resources$/gm)).toHaveLength(1);
});

test('every in-page link points at a heading of the page', () => {
  const anchors = new Set(md.split('\n').filter((l) => /^#{2,4} /.test(l)).map((l) => anchorOf(l.replace(/^#+ /, ''))));
  const links = [...md.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
  expect(links.filter((a) => !anchors.has(a))).toEqual([]);
});

test('the output is the same on every run', () => {
  expect(configReferenceMarkdown()).toBe(md);
});

test('table text escapes pipes and angle brackets', () => {
  expect(markdownText('a|b <c>')).toBe('a\\|b &lt;c&gt;');
  expect(anchorOf('Shared: edge settings')).toBe('shared-edge-settings');
  expect(anchorOf('`sharedRoot`')).toBe('sharedroot');
});
