/**
 * Task manager ports, unique across the whole platform and stable.
 *
 * A task's id contains its task manager's port, and executors (a Pod and a
 * Service in namespace `default`) are named after the task id: two task
 * managers on one port destroy each other's executors. So every task
 * manager, cloud and edge, gets a port no other one uses:
 *
 * - no task manager gets a port the platform itself uses
 *   ({@link platformPorts}: NodePorts, the proxy's ports), nor KubeEdge's
 *   host ports or, in sidecar mode, the API proxy's;
 * - a port set on the node itself (or `taskManager.port` for the cloud task
 *   manager) is explicit: used as it is, and a clash is an error;
 * - every other node keeps the port recorded for it by the previous synth
 *   ({@link PORTS_FILE} in the output folder), so adding or removing other
 *   nodes never moves it; a recorded port that is now taken (explicitly by
 *   another node, or by the platform) is reallocated, with a warning;
 * - a node with neither gets the lowest free port from where allocation
 *   starts: its profile's `port`, else `edge.defaults.port`, else
 *   {@link DEFAULT_TASK_MANAGER_PORT}. New nodes are allocated in name order,
 *   so the result never depends on the order of the list.
 */
import type { RuleIssue } from '../config/errors';
import { TASK_MANAGER_DEFAULTS } from '../config/defaults';
import { Config } from '../config/schema';
import { KUBEEDGE_HOST_PORTS } from './host-ports';
import { platformPorts } from './platform-ports';

/** Where allocation starts when neither the profile nor edge.defaults sets a port. */
const DEFAULT_TASK_MANAGER_PORT = TASK_MANAGER_DEFAULTS.port;

/**
 * The record of every edge node's port, in the output folder's edge folder:
 * not a manifest (kubectl and Argo CD read only .yaml, .yml and .json), and
 * outside every Application's folder.
 */
export const PORTS_FILE = 'edge/task-manager-ports.txt';

/** The edge nodes' ports by node name, and the problems found allocating them. */
export interface PortAllocation {
  /** Port of every edge node in the config (disabled ones keep theirs), by name. */
  readonly ports: ReadonlyMap<string, number>;
  /** Clashes of explicit ports, exhausted ranges, moved nodes. */
  readonly issues: RuleIssue[];
}

/**
 * Allocates the port of every edge node.
 * @param previous the ports recorded by the previous synth, by node name
 */
export function allocatePorts(config: Config, previous: ReadonlyMap<string, number> = new Map()): PortAllocation {
  const issues: RuleIssue[] = [];
  const owner = new Map<number, string>();
  const sidecar = config.edge.apiAccess.mode === 'sidecar';
  /** The platform fields that take a port (`proxy.grpcPort, proxy.expose.nodePort`). */
  const platform = new Map<number, string>();
  for (const { port, field } of platformPorts(config)) platform.set(port, platform.has(port) ? `${platform.get(port)}, ${field}` : field);
  const reserved = (port: number) => owner.has(port) || platform.has(port) || KUBEEDGE_HOST_PORTS.has(port) || (sidecar && port === config.apiProxy.port);
  if (config.taskManager.enabled) owner.set(config.taskManager.port, 'the cloud task manager (taskManager.port)');
  // remote-sites: begin
  // Remote sites' task managers too: task ids, and the executor names made from them, contain the port.
  config.remoteSites.sites.forEach((site, index) => {
    const port = site.port ?? config.remoteSites.defaults.port ?? TASK_MANAGER_DEFAULTS.port;
    const other = owner.get(port);
    if (other === undefined) {
      owner.set(port, `remote site "${site.name}" (remoteSites.sites[${index}].port)`);
      return;
    }
    issues.push({
      path: site.port !== undefined ? ['remoteSites', 'sites', index, 'port'] : ['remoteSites', 'sites', index],
      severity: 'error',
      message: `port ${port} of remote site "${site.name}" is already used by ${other}; every task manager needs a port of its own (task ids contain it): set remoteSites.sites[${index}].port`,
    });
  });
  // remote-sites: end

  const ports = new Map<string, number>();
  // First entry of each name (a duplicate node name is reported by the edge rules).
  const byName = new Map<string, { node: Config['edge']['nodes'][number]; index: number }>();
  config.edge.nodes.forEach((node, index) => byName.has(node.name) || byName.set(node.name, { node, index }));
  const nodes = [...byName.values()];
  // Explicit ports first, in list order.
  for (const { node, index } of nodes) {
    if (node.port === undefined) continue;
    const field = platform.get(node.port);
    if (field !== undefined) {
      issues.push({
        path: ['edge', 'nodes', index, 'port'],
        severity: 'error',
        message: `port ${node.port} is the platform's own (${field}); a task manager's port must not be one the platform uses: choose another, or leave the node's port unset to have one allocated`,
      });
      continue;
    }
    const other = owner.get(node.port);
    if (other !== undefined) {
      issues.push({
        path: ['edge', 'nodes', index, 'port'],
        severity: 'error',
        message: `port ${node.port} is already used by ${other}; every task manager needs a port of its own (executor names contain it): choose another, or leave the node's port unset to have one ` +
          `allocated`,
      });
      continue;
    }
    owner.set(node.port, `node "${node.name}" (edge.nodes[${index}].port)`);
    ports.set(node.name, node.port);
  }

  const rest = nodes
    .filter(({ node }) => node.port === undefined)
    .sort((a, b) => (a.node.name < b.node.name ? -1 : a.node.name > b.node.name ? 1 : 0));
  const fresh: typeof rest = [];
  for (const entry of rest) {
    const recorded = previous.get(entry.node.name);
    if (recorded !== undefined && !reserved(recorded)) {
      owner.set(recorded, `node "${entry.node.name}" (recorded in ${PORTS_FILE})`);
      ports.set(entry.node.name, recorded);
    } else {
      fresh.push(entry);
    }
  }

  // Lowest free port from each start; a cursor per start keeps this linear.
  const cursor = new Map<number, number>();
  for (const { node, index } of fresh) {
    const profile = node.profile === undefined ? undefined : config.edge.profiles[node.profile];
    const start = profile?.port ?? config.edge.defaults.port ?? DEFAULT_TASK_MANAGER_PORT;
    let port = cursor.get(start) ?? start;
    while (port <= 65535 && reserved(port)) port++;
    if (port > 65535) {
      issues.push({
        path: ['edge', 'nodes', index, 'name'],
        severity: 'error',
        message: `no free task manager port from ${start} to 65535 for node "${node.name}": lower the port where allocation starts (its profile's or edge.defaults' port)`,
      });
      continue;
    }
    cursor.set(start, port + 1);
    owner.set(port, `node "${node.name}"`);
    ports.set(node.name, port);
    const recorded = previous.get(node.name);
    if (recorded !== undefined) {
      issues.push({
        path: ['edge', 'nodes', index],
        severity: 'warning',
        message: `node "${node.name}" moves from port ${recorded} (recorded in ${PORTS_FILE}) to ${port}: ` +
          `${recorded} is now ${platform.has(recorded) ? `the platform's own (${platform.get(recorded)})` : 'taken explicitly'}`,
      });
    }
  }
  return { ports, issues };
}
