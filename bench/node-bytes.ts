/**
 * What one edge node's file costs, in bytes: `npm run bench:bytes -- [--nodes 100] [--config FILE]`.
 *
 * Synthesizes the bundled config (or the benchmark fleet of ./fleet.ts with
 * `--nodes N`, or `--config FILE`) in process, as `npm run synth` would, and
 * prints the average bytes of an edge node's file (`edge/<shard>/<node>.k8s.yaml`),
 * of each object kind in it and of each container of its Deployment, as
 * written (the YAML text of each object; a container's share is the text of
 * its list item). Sizes, never timing: `npm run bench` times.
 */
import * as fs from 'fs';
import { parseArgs } from 'util';
import { parseConfig } from '../lib/load';
import { synthFiles } from '../lib/synth';
import { fleetConfig } from './fleet';

/**
 * Bytes of each top-level `- name: ` item of a YAML list found under `key:` at any indentation (the items at the
 * key's indentation or deeper), by the item's name.
 */
function listItemBytes(doc: string, key: string): Map<string, number> {
  const lines = doc.split('\n');
  const lead = (l: string) => l.length - l.trimStart().length;
  const out = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) {
    const m = /^( *)(\w+):$/.exec(lines[i]);
    if (!m || m[2] !== key || !lines[i + 1]?.trimStart().startsWith('- ') || lead(lines[i + 1]) < m[1].length) continue;
    const indent = lead(lines[i + 1]);
    let j = i + 1;
    let item: string[] = [];
    const flush = () => {
      if (item.length === 0) return;
      const name = item.map((l) => /^ *(?:- )?name: (.*)$/.exec(l)).find((x) => x && x[0].indexOf('name:') === indent + 2)?.[1] ?? '?';
      out.set(name, (out.get(name) ?? 0) + Buffer.byteLength(item.join('\n') + '\n'));
      item = [];
    };
    for (; j < lines.length; j++) {
      const l = lines[j];
      if (l.trim() === '' || lead(l) < indent || (lead(l) === indent && !l.trimStart().startsWith('- '))) break;
      if (lead(l) === indent) flush();
      item.push(l);
    }
    flush();
    i = j - 1;
  }
  return out;
}

function add(into: Map<string, number>, key: string, n: number): void {
  into.set(key, (into.get(key) ?? 0) + n);
}

function main(): void {
  const { values } = parseArgs({ options: { nodes: { type: 'string' }, config: { type: 'string' } } });
  const text = values.config ? fs.readFileSync(values.config, 'utf8') : fleetConfig(Number(values.nodes ?? 0));
  const files = synthFiles(parseConfig(text, values.config ?? 'platform.yaml'));
  const nodeFiles = [...files].filter(([f]) => /^edge\/[^/]+\/[^/]+\.k8s\.yaml$/.test(f));
  if (nodeFiles.length === 0) throw new Error('no edge node in this config');
  const kinds = new Map<string, number>();
  const containers = new Map<string, number>();
  const parts = new Map<string, number>();
  let total = 0;
  for (const [, body] of nodeFiles) {
    total += Buffer.byteLength(body);
    for (const doc of body.split('\n---\n')) {
      const kind = /^kind: (.*)$/m.exec(doc)?.[1] ?? 'header';
      const name = /^ {2}name: (.*)$/m.exec(doc)?.[1] ?? '';
      const label = kind === 'ConfigMap' && /^data:\n(?: {2}\S.*\n)*? {2}task_manager_setup\.json:/m.test(doc) ? 'ConfigMap (task manager)' : kind === 'ConfigMap' && name ? `ConfigMap ${name}` : kind;
      add(kinds, label, Buffer.byteLength(doc) + 5);
      if (kind !== 'Deployment') continue;
      for (const key of ['initContainers', 'containers', 'volumes']) {
        const items = listItemBytes(doc, key);
        let sum = 0;
        for (const [n, b] of items) {
          if (key !== 'volumes') add(containers, `${key === 'initContainers' ? 'init ' : ''}${n}`, b);
          sum += b;
        }
        add(parts, key, sum);
      }
      const meta = /^metadata:\n(?: {2}.*\n)+/m.exec(doc)?.[0] ?? '';
      add(parts, 'metadata (Deployment)', Buffer.byteLength(meta));
      const tmpl = /^ {4}metadata:\n(?: {6}.*\n)+/m.exec(doc)?.[0] ?? '';
      add(parts, 'pod template metadata', Buffer.byteLength(tmpl));
    }
  }
  const n = nodeFiles.length;
  const kb = (b: number) => (b / n / 1024).toFixed(2);
  const row = (label: string, b: number) => console.log(`| ${label} | ${Math.round(b / n)} | ${kb(b)} |`);
  console.log(`${n} edge node file(s); average bytes per node\n\n| part | bytes | KB |\n|---|---|---|`);
  row('**whole file**', total);
  for (const [k, b] of [...kinds].sort((a, b2) => b2[1] - a[1])) row(`object: ${k}`, b);
  for (const [k, b] of parts) row(`Deployment: ${k}`, b);
  for (const [k, b] of [...containers].sort((a, b2) => b2[1] - a[1])) row(`container: ${k}`, b);
}

main();
