/**
 * Workload settings of the config (config/workloads.ts) applied to a
 * rendered pod template: placement (node selector, tolerations, affinity
 * merged with the generator's, PriorityClass), pod labels and annotations,
 * extra volumes, mounts and envFrom of the main container. Nothing the
 * generator set is replaced: a clash is a problem, reported against the
 * config field that caused it.
 */
import type { WorkloadSettings } from '../config/workloads';
import type { Obj } from '../config/untyped';


/** A clash between a config field and what the generator wrote. */
export interface Clash {
  /** The config field, relative to the settings' own path. */
  readonly path: readonly PropertyKey[];
  /** What clashes, and what to do. */
  readonly message: string;
}

/** Pod annotation naming the main container when a pod has several (lib/blocks/workload.ts writes it). */
const DEFAULT_CONTAINER = 'kubectl.kubernetes.io/default-container';

/** Settings merged: `specific` wins field by field over `general`; maps are merged, lists replaced. */
export function mergeSettings(general: WorkloadSettings, specific: WorkloadSettings): WorkloadSettings {
  const out: Record<string, unknown> = { ...general };
  for (const [k, v] of Object.entries(specific)) if (v !== undefined) out[k] = v;
  for (const k of ['nodeSelector', 'podLabels', 'podAnnotations'] as const) {
    if (general[k] !== undefined || specific[k] !== undefined) out[k] = { ...general[k], ...specific[k] };
  }
  return out as WorkloadSettings;
}

/** The AND of two ORs of node selector terms: every pair of terms, their requirements joined. */
function andTerms(a: readonly Obj[], b: readonly Obj[]): Obj[] {
  return b.flatMap((t) =>
    a.map((g) => {
      const join = (key: string) => [...(g[key] ?? []), ...(t[key] ?? [])];
      const exprs = join('matchExpressions');
      const fields = join('matchFields');
      return { ...(exprs.length > 0 ? { matchExpressions: exprs } : {}), ...(fields.length > 0 ? { matchFields: fields } : {}) };
    }),
  );
}

/**
 * The generator's affinity with the config's added: a node must satisfy
 * both required node affinities (each of the config's terms gets the
 * generator's requirements, so edge nodes stay excluded), preferences and
 * pod (anti-)affinity terms are appended.
 */
export function mergeAffinity(generated: Obj | undefined, extra: NonNullable<WorkloadSettings['affinity']>): Obj {
  const out: Obj = structuredClone(generated ?? {});
  const add = structuredClone(extra) as Obj;
  const REQ = 'requiredDuringSchedulingIgnoredDuringExecution';
  const PREF = 'preferredDuringSchedulingIgnoredDuringExecution';
  for (const kind of ['nodeAffinity', 'podAffinity', 'podAntiAffinity']) {
    if (add[kind] === undefined) continue;
    const mine = (out[kind] ??= {});
    if (add[kind][PREF]) mine[PREF] = [...(mine[PREF] ?? []), ...add[kind][PREF]];
    if (add[kind][REQ] === undefined) continue;
    if (kind !== 'nodeAffinity') mine[REQ] = [...(mine[REQ] ?? []), ...add[kind][REQ]];
    else mine[REQ] = { nodeSelectorTerms: mine[REQ] ? andTerms(mine[REQ].nodeSelectorTerms, add[kind][REQ].nodeSelectorTerms) : add[kind][REQ].nodeSelectorTerms };
  }
  return out;
}

/** Adds `extra` to the map `target[key]`; a key already there with another value is a clash at `field`. */
export function addToMap(target: Obj, key: string, extra: Readonly<Record<string, string>> | undefined, field: PropertyKey, what: string, clashes: Clash[]): void {
  if (extra === undefined || Object.keys(extra).length === 0) return;
  const map: Obj = (target[key] ??= {});
  for (const [k, v] of Object.entries(extra)) {
    if (k in map && map[k] !== v) clashes.push({ path: [field, k], message: `${what} already has "${k}" (set by the generator to ${JSON.stringify(map[k])}): use another key` });
    else map[k] = v;
  }
}

/** The main container of a pod spec: the one the default-container annotation names, else the one called `name`, else the only one. */
function mainContainer(template: Obj, name: string): Obj | undefined {
  const containers: Obj[] = template.spec?.containers ?? [];
  const named = template.metadata?.annotations?.[DEFAULT_CONTAINER] ?? name;
  return containers.find((c) => c.name === named) ?? (containers.length === 1 ? containers[0] : undefined);
}

/**
 * Applies `s` to a pod template in place; returns the clashes found.
 * @param container name of the program's container (when the pod has several and no default-container annotation);
 *   none for pods without a program of their own (set-up Jobs, whose extra volumes, mounts and envFrom do not apply)
 */
export function applyWorkload(template: Obj, s: WorkloadSettings, container: string | undefined): Clash[] {
  const clashes: Clash[] = [];
  const meta: Obj = (template.metadata ??= {});
  const spec: Obj = (template.spec ??= {});
  addToMap(meta, 'labels', s.podLabels, 'podLabels', 'the pod', clashes);
  addToMap(meta, 'annotations', s.podAnnotations, 'podAnnotations', 'the pod', clashes);
  addToMap(spec, 'nodeSelector', s.nodeSelector, 'nodeSelector', 'the node selector', clashes);
  if (s.tolerations && s.tolerations.length > 0) spec.tolerations = [...(spec.tolerations ?? []), ...structuredClone(s.tolerations)];
  if (s.affinity) spec.affinity = mergeAffinity(spec.affinity, s.affinity);
  if (s.priorityClassName !== undefined) {
    if (spec.priorityClassName !== undefined && spec.priorityClassName !== s.priorityClassName) clashes.push({ path: ['priorityClassName'], message: `the pod already has priorityClassName ` +
      `${spec.priorityClassName}` });
    else spec.priorityClassName = s.priorityClassName;
  }
  if (container === undefined) return clashes;
  const volumes: Obj[] = spec.volumes ?? [];
  (s.extraVolumes ?? []).forEach((v, i) => {
    if (volumes.some((g) => g.name === v.name)) clashes.push({ path: ['extraVolumes', i, 'name'], message: `the pod already has a volume named "${v.name}": pick another name` });
    else volumes.push(structuredClone(v));
  });
  if (volumes.length > 0) spec.volumes = volumes;
  const main = mainContainer(template, container);
  if (main === undefined) {
    if (s.extraVolumeMounts?.length || s.envFrom?.length) throw new Error(`internal: no container "${container}" to add extraVolumeMounts and envFrom to`);
    return clashes;
  }
  const mounts: Obj[] = main.volumeMounts ?? [];
  (s.extraVolumeMounts ?? []).forEach((m, i) => {
    if (!volumes.some((v) => v.name === m.name)) clashes.push({ path: ['extraVolumeMounts', i, 'name'], message: `the pod has no volume named "${m.name}": add it to extraVolumes` });
    else if (mounts.some((g) => g.mountPath === m.mountPath)) clashes.push({ path: ['extraVolumeMounts', i, 'mountPath'], message: `the container already mounts something at ${m.mountPath}` });
    else mounts.push(structuredClone(m));
  });
  if (mounts.length > 0) main.volumeMounts = mounts;
  // The generator's own envFrom last: of two sources with a variable, the later wins, so the generator's variables do.
  if (s.envFrom && s.envFrom.length > 0) main.envFrom = [...structuredClone(s.envFrom), ...(main.envFrom ?? [])];
  return clashes;
}
