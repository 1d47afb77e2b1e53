/**
 * The config's additions to the rendered objects, applied by synth after
 * generation and before anything is written: workload placement and
 * metadata, extra volumes and envFrom (placement.ts), common labels and
 * annotations, `patches` (json-patch.ts) and `extraObjects`. Every problem
 * is a config error located at the field that caused it; the output folder
 * is left alone.
 */
import { ConfigError, ConfigIssue, formatPath } from '../config/errors';
import type { Locate } from '../config/load';
import type { Config } from '../config/schema';
import { containerExtraFields, podMetadataFields, workloadFields, WorkloadSettings } from '../config/workloads';
import type { ComponentEntry } from '../config/components';
import { COMPONENT, COMPONENT_LABEL, instanceLabels, SITE_LABEL } from '../labels';
import { ObjectId, objectKey, shownObject } from '../outdir/documents';
import type { EdgeSite } from '../resolve/fleet';
import { applyOp, mergePatch, PatchOpError } from './json-patch';
import { addToMap, applyWorkload, Clash, mergeSettings } from './placement';
import { podTemplates, structureProblems, typeChanges } from './structure';
import type { Obj, Untyped } from '../config/untyped';


/** Where the config and its positions come from. */
export interface OverrideSource {
  /** The validated config. */
  readonly config: Config;
  /** The resolved edge nodes. */
  readonly edgeSites: readonly EdgeSite[];
  /** The components built (their config keys). */
  readonly components: readonly ComponentEntry[];
  /**
   * Where a field is written in the config file.
   * @default no line known
   */
  readonly locate?: Locate;
  /**
   * The config file's name in messages.
   * @default "platform.yaml"
   */
  readonly file?: string;
}

/** The additions of one config, applied object by object. */
export interface OutputOverrides {
  /** The object with the config's additions and patches (a new object when changed). */
  apply(file: string, obj: Obj): Obj;
  /**
   * Takes note of an object that is not rendered this time because `file` already holds it as {@link apply} made it
   * (an edge node's file kept by incremental synth): it counts for `patches` matching and `extraObjects` collisions.
   * Patches cannot change an object's identity, so the one written is the one {@link apply} saw.
   */
  kept(file: string, id: ObjectId): void;
  /** How many problems {@link apply} has found so far ({@link finish} throws them). */
  problems(): number;
  /**
   * The extra objects by output file, once every generated object went through {@link apply}.
   * @throws ConfigError with every problem found on the way
   */
  finish(): Map<string, Obj[]>;
}

/** Config sections of the components whose section is not at their config key, and their main container when not named like the component. */
const SECTIONS: Readonly<Record<string, { readonly path: readonly string[]; readonly container?: string }>> = {
  [COMPONENT.database]: { path: ['database', 'embedded'], container: 'postgres' },
  [COMPONENT.objectStorage]: { path: ['objectStorage'] },
};


/** The value at a path of the config. */
function at(config: Config, path: readonly string[]): Untyped {
  return path.reduce<Untyped>((v, k) => v?.[k], config);
}

/** The config section of each component with a workload of its own, by component name. */
function workloadSections(components: readonly ComponentEntry[]): Map<string, { readonly path: readonly string[]; readonly container?: string }> {
  const sections = new Map<string, { readonly path: readonly string[]; readonly container?: string }>();
  for (const c of components) if (c.configKey !== undefined) sections.set(c.name, { path: [c.configKey] });
  for (const [name, section] of Object.entries(SECTIONS)) sections.set(name, section);
  return sections;
}

/** The fields of a server workload's settings. */
const WORKLOAD_KEYS = Object.keys(workloadFields);
/** The fields of an edge task manager's settings that synth applies. */
const EDGE_KEYS = [...Object.keys(podMetadataFields), ...Object.keys(containerExtraFields)];
/** The fields of `workloads` that pods without a program of their own (set-up Jobs) take: all but the container's. */
const PLACEMENT_ONLY = WORKLOAD_KEYS.filter((k) => !(k in containerExtraFields));

/** True for a value that sets something: not undefined, an empty list or an empty map. */
const isSet = (v: unknown) => v !== undefined && !(typeof v === 'object' && v !== null && Object.keys(v).length === 0);

/**
 * The fields of a config that only synth applies (on the rendered objects),
 * as field paths: what a construct built from the config alone would miss.
 */
export function overrideFieldsSet(config: Config, components: readonly ComponentEntry[]): string[] {
  const out: string[] = (['commonLabels', 'commonAnnotations', 'extraObjects', 'patches'] as const).filter((k) => isSet(config[k]));
  const check = (section: Untyped, path: readonly PropertyKey[], keys: readonly string[]) => {
    for (const k of keys) if (isSet(section?.[k])) out.push(formatPath([...path, k]));
  };
  check(config.workloads, ['workloads'], WORKLOAD_KEYS);
  for (const { path } of workloadSections(components).values()) check(at(config, path), path, WORKLOAD_KEYS);
  check(config.edge.defaults, ['edge', 'defaults'], EDGE_KEYS);
  for (const [name, p] of Object.entries(config.edge.profiles)) check(p, ['edge', 'profiles', name], EDGE_KEYS);
  config.edge.nodes.forEach((n, i) => check(n, ['edge', 'nodes', i], EDGE_KEYS));
  return out;
}

/**
 * The most specific level of an edge node's settings that sets `field`: the
 * node, its profile, or edge.defaults. Searched only when reporting: a fleet
 * of 10,000 nodes would otherwise search the list once per node.
 */
function edgeField(config: Config, nodeName: string, field: PropertyKey): readonly PropertyKey[] {
  const index = config.edge.nodes.findIndex((n) => n.name === nodeName);
  const node = config.edge.nodes[index] as Record<PropertyKey, unknown>;
  const profile = node.profile as string | undefined;
  if (node[field] !== undefined) return ['edge', 'nodes', index, field];
  if (profile !== undefined && (config.edge.profiles[profile] as Record<PropertyKey, unknown>)[field] !== undefined) return ['edge', 'profiles', profile, field];
  return ['edge', 'defaults', field];
}

/** Reports a problem of the config at a field path. */
type Report = (path: readonly PropertyKey[], message: string) => void;

/** The placement, metadata and common labels of one rendered object, added in place (clashes reported). */
function metadataAdder(source: OverrideSource, report: Report): (obj: Obj) => void {
  const { config } = source;
  const sections = workloadSections(source.components);
  const edge = new Map(source.edgeSites.map((s) => [s.nodeName, s]));
  const { commonLabels, commonAnnotations } = config;
  const jobDefaults = Object.fromEntries(PLACEMENT_ONLY.map((k) => [k, (config.workloads as Record<string, unknown>)[k]])) as WorkloadSettings;

  /** Which settings apply to a pod template, and the config path a clash of each field is reported at. */
  const settingsFor = (kind: string, labels: Obj): { s: WorkloadSettings; where: (field: PropertyKey) => readonly PropertyKey[]; container?: string } => {
    const component = labels[COMPONENT_LABEL];
    // remote-sites: begin
    // A remote site's pods run in the site's own cluster (instance <name>-site-<site>): the server's placement and volumes are not theirs.
    if (String(labels['app.kubernetes.io/instance'] ?? '').startsWith(`${config.name}-site-`)) return { s: {}, where: (f) => ['remoteSites', f] };
    // remote-sites: end
    const site = edge.get(labels[SITE_LABEL]);
    if (site !== undefined) {
      return { s: { ...site.pod }, where: (f) => edgeField(config, site.nodeName, f), container: component };
    }
    const known = sections.get(component);
    const section = known && (kind === 'Deployment' || kind === 'StatefulSet') ? at(config, known.path) : undefined;
    if (section === undefined) return { s: jobDefaults, where: (f) => ['workloads', f] };
    return {
      s: mergeSettings(config.workloads, section),
      where: (f) => (section[f] !== undefined ? [...known!.path, f] : ['workloads', f]),
      container: known!.container ?? component,
    };
  };

  return (obj: Obj) => {
    const meta: Obj = (obj.metadata ??= {});
    const shown = shownObject(obj.kind, meta.namespace, meta.name);
    const clashes: Clash[] = [];
    addToMap(meta, 'labels', commonLabels, 'commonLabels', shown, clashes);
    addToMap(meta, 'annotations', commonAnnotations, 'commonAnnotations', shown, clashes);
    for (const c of clashes) report(c.path, c.message);
    for (const { template } of podTemplates(obj)) {
      const { s, where, container } = settingsFor(obj.kind, template.metadata?.labels ?? {});
      for (const c of applyWorkload(template, s, container)) {
        report([...where(c.path[0] ?? ''), ...c.path.slice(1)], `${shown}: ${c.message}`);
      }
      const podClashes: Clash[] = [];
      // A workload's podLabels win over commonLabels on its pods.
      const common = Object.fromEntries(Object.entries(commonLabels).filter(([k]) => s.podLabels?.[k] === undefined));
      addToMap((template.metadata ??= {}), 'labels', common, 'commonLabels', 'the pod', podClashes);
      for (const c of podClashes) report(c.path, `${shown}: ${c.message}`);
    }
  };
}

/** The config's `patches`: `patch` applies those that target an object; `unmatched` reports those that targeted none. */
function patcher(patches: Config['patches'], report: Report): { patch: (obj: Obj) => Obj; count: (id: ObjectId) => void; unmatched: () => void } {
  const byTarget = new Map<string, number[]>();
  patches.forEach((p, i) => {
    const key = `${p.target.kind}|${p.target.name}`;
    byTarget.set(key, [...(byTarget.get(key) ?? []), i]);
  });
  const hits = patches.map(() => 0);
  /** The patches that target an object, each counted as a hit. */
  const matching = (id: Partial<ObjectId>): number[] =>
    (byTarget.get(`${id.kind}|${id.name}`) ?? []).filter((i) => {
      const { target } = patches[i];
      const hit = (target.namespace === undefined || target.namespace === id.namespace) && (target.apiVersion === undefined || target.apiVersion === id.apiVersion);
      if (hit) hits[i]++;
      return hit;
    });

  const patch = (obj: Obj): Obj => {
    const indexes = matching({ apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata?.namespace, name: obj.metadata?.name });
    if (indexes.length === 0) return obj;
    let out = obj;
    const shown = shownObject(obj.kind, obj.metadata.namespace, obj.metadata.name);
    for (const i of indexes) {
      const { merge, ops } = patches[i];
      let next = merge === undefined ? structuredClone(out) : (mergePatch(out, merge) as Obj);
      for (const [j, op] of (ops ?? []).entries()) {
        try {
          applyOp(next, op);
        } catch (e) {
          if (!(e instanceof PatchOpError)) throw e;
          report(['patches', i, 'ops', j, e.field], `${shown}: ${e.message}`);
          next = out;
          break;
        }
      }
      if (next === out) continue;
      const moved = ['apiVersion', 'kind'].filter((k) => next[k] !== obj[k]).concat(['name', 'namespace'].filter((k) => next.metadata?.[k] !== obj.metadata[k]).map((k) => `metadata.${k}`));
      if (moved.length > 0) {
        report(['patches', i], `${shown}: a patch may not change ${moved.join(', ')} (an object's identity): add the object under extraObjects instead`);
        continue;
      }
      const problems = [...typeChanges(out, next), ...structureProblems(next)];
      if (problems.length > 0) {
        report(['patches', i], `makes ${shown} invalid: ${problems.join('; ')}`);
        continue;
      }
      out = next;
    }
    return out;
  };

  const unmatched = () =>
    hits.forEach((n, i) => {
      if (n > 0) return;
      const { kind, name, namespace, apiVersion } = patches[i].target;
      const what = [apiVersion, kind, namespace ? `${namespace}/${name}` : name].filter((p) => p !== undefined).join(' ');
      report(['patches', i, 'target'], `matches no generated object (${what}); patches apply to generated objects only, by kind and metadata.name as written in the output`);
    });
  return { patch, count: matching, unmatched };
}

/**
 * The config's `extraObjects` by output file, with the instance labels and the common metadata.
 * @param generated the output file of every generated object, by `objectKey`
 */
function extraObjectsOf(config: Config, generated: ReadonlyMap<string, string>, report: Report): Map<string, Obj[]> {
  const { commonLabels, commonAnnotations } = config;
  const out = new Map<string, Obj[]>();
  const seen = new Map<string, number>();
  const instance = instanceLabels(config);
  config.extraObjects.forEach((x, i) => {
    const m = x.manifest as Obj;
    const key = objectKey(m.apiVersion, m.kind, m.metadata.namespace, m.metadata.name);
    const shown = shownObject(m.kind, m.metadata.namespace, m.metadata.name);
    const path = ['extraObjects', i, 'manifest', 'metadata', 'name'];
    if (generated.has(key)) {
      report(path, `${shown} is generated (in ${generated.get(key)}): change it with patches instead`);
      return;
    }
    if (seen.has(key)) {
      report(path, `${shown} is also extraObjects[${seen.get(key)}]`);
      return;
    }
    seen.set(key, i);
    const obj = structuredClone(m);
    // The instance labels make it part of the platform: `kubectl apply -l` applies (and prunes) by them.
    for (const [k, v] of Object.entries(instance)) {
      const own = obj.metadata.labels?.[k];
      if (own !== undefined && own !== v) report(['extraObjects', i, 'manifest', 'metadata', 'labels', k], `${shown}: synth sets ${k} to ${v} (the plain kubectl path applies and prunes by ` +
        `it): drop it`);
    }
    obj.metadata.labels = { ...commonLabels, ...obj.metadata.labels, ...instance };
    obj.metadata.annotations = { ...commonAnnotations, ...obj.metadata.annotations };
    if (Object.keys(obj.metadata.annotations).length === 0) delete obj.metadata.annotations;
    const problems = structureProblems(obj);
    if (problems.length > 0) {
      report(['extraObjects', i, 'manifest'], `${shown} is not a valid object: ${problems.join('; ')}`);
      return;
    }
    out.set(x.file, [...(out.get(x.file) ?? []), obj]);
  });
  return out;
}

/** The additions of a config; a config without any gives objects back unchanged. */
export function createOverrides(source: OverrideSource): OutputOverrides {
  const { config } = source;
  const file = source.file ?? 'platform.yaml';
  const issues: ConfigIssue[] = [];
  // A field is shown at its key's line (`target:`), a list item at its own.
  const located = (path: readonly PropertyKey[]) =>
    typeof path[path.length - 1] === 'string' ? source.locate?.(path.slice(0, -1), String(path[path.length - 1])) : source.locate?.(path);
  const report: Report = (path, message) => issues.push({ file, ...(located(path) ?? {}), path: formatPath(path), message, severity: 'error' });
  const addMetadata = metadataAdder(source, report);
  const patches = patcher(config.patches, report);
  const generated = new Map<string, string>();
  // Extra objects may not take a generated object's identity.
  const generate = config.extraObjects.length > 0
    ? (outFile: string, apiVersion: string, kind: string, namespace: string | undefined, name: string) => generated.set(objectKey(apiVersion, kind, namespace, name), outFile)
    : () => undefined;
  return {
    apply(outFile, obj) {
      generate(outFile, obj.apiVersion, obj.kind, obj.metadata?.namespace, obj.metadata?.name);
      addMetadata(obj);
      return patches.patch(obj);
    },
    kept(outFile, id) {
      generate(outFile, id.apiVersion, id.kind, id.namespace, id.name);
      patches.count(id);
    },
    problems: () => issues.length,
    finish() {
      patches.unmatched();
      const out = extraObjectsOf(config, generated, report);
      if (issues.length > 0) throw new ConfigError(issues);
      return out;
    },
  };
}
