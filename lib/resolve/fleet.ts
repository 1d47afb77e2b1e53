/**
 * Resolves the edge fleet: for every enabled node, its settings with
 * edge.defaults, then its profile, then its own fields applied (later wins,
 * field by field; maps are merged, lists replaced), the image of its CPU
 * architecture, and its cluster label value.
 */
import { k8s } from 'cdk8s-plus-28';
import { TASK_MANAGER_DEFAULTS } from '../config/defaults';
import { Arch, Config, EdgeNodeConfig, EdgeSettings, Resources } from '../config/schema';
import type { RuleIssue } from '../config/errors';
import { platformImage } from '../images';
import { type TaskManagerSettings, withRoot } from './site';

/** Default host paths of an edge node's site folders. */
export const EDGE_DIRS_ROOT = '/var/lib/neursafe-fl';

/** One enabled edge node, fully resolved. */
export interface EdgeSite {
  /** Kubernetes node name. */
  readonly nodeName: string;
  /** Address reachable from cloud pods. */
  readonly address: string;
  /** CPU architecture. */
  readonly arch: Arch;
  /** Site group the node belongs to, if grouped. */
  readonly site?: string;
  /** Task manager settings. */
  readonly settings: TaskManagerSettings;
  /** Extra tolerations. */
  readonly tolerations: k8s.Toleration[];
  /** Every label the node must carry (the cluster label included). */
  readonly nodeLabels: Record<string, string>;
  /**
   * The pod's PriorityClass, extra labels, annotations, volumes, mounts and envFrom (applied by lib/overrides/).
   * @default none
   */
  readonly pod?: EdgePodMetadata;
}

/** What edge settings add to a task manager's pod. */
export interface EdgePodMetadata {
  /**
   * PriorityClass of the pod.
   * @default none
   */
  readonly priorityClassName?: string;
  /** Extra labels (merged over the levels). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Extra annotations (merged over the levels). */
  readonly podAnnotations: Readonly<Record<string, string>>;
  /**
   * Extra volumes of the pod (the most specific level's list).
   * @default none
   */
  readonly extraVolumes?: EdgeSettings['extraVolumes'];
  /**
   * Extra mounts of the task manager container.
   * @default none
   */
  readonly extraVolumeMounts?: EdgeSettings['extraVolumeMounts'];
  /**
   * ConfigMaps and Secrets whose keys become the task manager's environment.
   * @default none
   */
  readonly envFrom?: EdgeSettings['envFrom'];
}

/** The resolved fleet and the problems found resolving it. */
export interface ResolvedFleet {
  /** Enabled nodes, sorted by name (output never depends on list order). */
  readonly sites: EdgeSite[];
  /** Problems (e.g. no image for a node's architecture). */
  readonly issues: RuleIssue[];
}

/** The settings levels of a node, most general first. */
function levels(config: Config, node: EdgeNodeConfig): EdgeSettings[] {
  const profile = node.profile === undefined ? undefined : config.edge.profiles[node.profile];
  return [config.edge.defaults, ...(profile ? [profile] : []), node];
}

/** The most specific value of a field. */
function pick<K extends keyof EdgeSettings>(ls: EdgeSettings[], key: K): EdgeSettings[K] | undefined {
  for (let i = ls.length - 1; i >= 0; i--) if (ls[i][key] !== undefined) return ls[i][key];
  return undefined;
}

/** Maps merged from the most general level to the most specific. */
function merge<K extends 'env' | 'nodeLabels' | 'dirs' | 'podLabels' | 'podAnnotations'>(ls: EdgeSettings[], key: K): NonNullable<EdgeSettings[K]> {
  return Object.assign({}, ...ls.map((l) => l[key] ?? {}));
}

function mergeResources(ls: EdgeSettings[]): Resources | undefined {
  if (ls.every((l) => l.resources === undefined)) return undefined;
  return {
    requests: Object.assign({}, ...ls.map((l) => l.resources?.requests ?? {})),
    limits: Object.assign({}, ...ls.map((l) => l.resources?.limits ?? {})),
  };
}

/** The image for an architecture: at each level the per-arch one, then the all-arch one; the most specific level wins. */
function imageFor(ls: EdgeSettings[], arch: Arch, perArch: 'images' | 'executorImages', all: 'image' | 'executorImage'): string | undefined {
  for (let i = ls.length - 1; i >= 0; i--) {
    const img = ls[i][perArch]?.[arch] ?? ls[i][all];
    if (img !== undefined) return img;
  }
  return undefined;
}

/** The cluster label value of a node: explicit, else its site group, else its name. */
export function clusterLabelValue(node: EdgeNodeConfig): string {
  return node.clusterLabelValue ?? node.site ?? node.name;
}

/**
 * Resolves every enabled edge node.
 * @param ports every node's task manager port (see ports.ts); a node missing here is left out (its allocation failed and was reported)
 */
export function resolveFleet(config: Config, ports: ReadonlyMap<string, number>): ResolvedFleet {
  const issues: RuleIssue[] = [];
  const sites: EdgeSite[] = [];
  config.edge.nodes.forEach((node, index) => {
    if (!node.enabled) return;
    if (node.profile !== undefined && config.edge.profiles[node.profile] === undefined) return; // reported by the rules
    const port = ports.get(node.name);
    if (port === undefined) return; // reported by the allocation
    const ls = levels(config, node);
    const image = imageFor(ls, node.arch, 'images', 'image') ?? (node.arch === 'amd64' ? platformImage(config, TASK_MANAGER_DEFAULTS.image) : undefined);
    if (image === undefined) {
      issues.push({
        path: ['edge', 'nodes', index, 'arch'],
        severity: 'error',
        message: `node "${node.name}" is ${node.arch} but no task manager image is set for ${node.arch}: set edge.defaults.images.${node.arch} (or the node's or its profile's image)`,
      });
      return;
    }
    const labelValue = clusterLabelValue(node);
    const clusterLabelKey = config.taskManager.clusterLabelKey;
    sites.push({
      nodeName: node.name,
      address: node.address,
      arch: node.arch,
      site: node.site,
      settings: {
        port,
        workerPort: pick(ls, 'workerPort') ?? TASK_MANAGER_DEFAULTS.workerPort,
        runtime: pick(ls, 'runtime') ?? TASK_MANAGER_DEFAULTS.runtime,
        storageQuota: pick(ls, 'storageQuota') ?? TASK_MANAGER_DEFAULTS.storageQuota,
        registration: pick(ls, 'registration') ?? TASK_MANAGER_DEFAULTS.registration,
        maxTaskParallelism: pick(ls, 'maxTaskParallelism'),
        label: pick(ls, 'label'),
        clusterLabelKey,
        clusterLabelValue: labelValue,
        logLevel: pick(ls, 'logLevel') ?? TASK_MANAGER_DEFAULTS.logLevel,
        image,
        executorImage: imageFor(ls, node.arch, 'executorImages', 'executorImage') ?? image,
        resources: mergeResources(ls),
        env: merge(ls, 'env'),
        ...withRoot(merge(ls, 'dirs'), EDGE_DIRS_ROOT),
      },
      tolerations: (pick(ls, 'tolerations') ?? []).map((t) => ({ ...t })),
      nodeLabels: { ...merge(ls, 'nodeLabels'), [clusterLabelKey]: labelValue },
      pod: {
        priorityClassName: pick(ls, 'priorityClassName'),
        podLabels: merge(ls, 'podLabels'),
        podAnnotations: merge(ls, 'podAnnotations'),
        extraVolumes: pick(ls, 'extraVolumes'),
        extraVolumeMounts: pick(ls, 'extraVolumeMounts'),
        envFrom: pick(ls, 'envFrom'),
      },
    });
  });
  sites.sort((a, b) => (a.nodeName < b.nodeName ? -1 : a.nodeName > b.nodeName ? 1 : 0));
  return { sites, issues };
}
