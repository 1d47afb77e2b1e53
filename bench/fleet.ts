/**
 * Realistic fleet configs for the benchmark: the bundled edge-fleet example
 * with its node list replaced by `n` generated nodes (amd64 and arm64,
 * profiles, two-node sites, per-node overrides, a few disabled nodes).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';

const EXAMPLE = path.join(__dirname, '..', 'examples', 'edge-fleet.yaml');

/** One generated node; the mix repeats every 100 nodes. */
function fleetNode(i: number): Record<string, unknown> {
  const name = `device-${String(i).padStart(5, '0')}`;
  const address = `10.${Math.floor(i / 62500)}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`;
  const k = i % 100;
  const node: Record<string, unknown> = { name, address, arch: k % 3 === 0 ? 'arm64' : 'amd64' };
  if (node.arch === 'arm64') node.profile = 'arm-board';
  else if (k % 20 === 1) node.profile = 'gpu';
  if (k === 50 || k === 51) {
    // A two-node site sharing its data folders.
    const site = `line-${Math.floor(i / 100)}`;
    Object.assign(node, { site, dirs: { workspace: `/mnt/${site}/${name}/workspace`, taskConfigs: `/mnt/${site}/${name}/task-configs`, datasets: `/mnt/${site}/datasets` } });
  }
  if (k % 7 === 2) node.resources = { limits: { memory: '768Mi' } };
  if (k % 11 === 4) node.dirs = { ...(node.dirs as object | undefined), datasets: '/media/usb0/datasets' };
  if (k % 13 === 5) node.logLevel = 'DEBUG';
  if (k % 17 === 6) node.nodeLabels = { 'fl.example.com/room': `r${k}` };
  if (k === 99) node.enabled = false;
  return node;
}

/** The text of a config with `n` edge nodes (`n` = 0 gives the bundled platform.yaml). */
export function fleetConfig(n: number): string {
  if (n === 0) return fs.readFileSync(path.join(__dirname, '..', 'platform.yaml'), 'utf8');
  const config = parse(fs.readFileSync(EXAMPLE, 'utf8'));
  config.edge.nodes = Array.from({ length: n }, (_, i) => fleetNode(i));
  // Argo CD on, so the benchmark also measures each Application's manifests against Argo CD's limit.
  config.gitops = { argocd: { enabled: true, repoURL: 'https://git.example.com/fleet.git' } };
  return stringify(config);
}

/** How many nodes of {@link fleetConfig}(n) are enabled (each gets an output file). */
export function enabledNodes(n: number): number {
  return Array.from({ length: n }, (_, i) => fleetNode(i)).filter((node) => node.enabled !== false).length;
}
