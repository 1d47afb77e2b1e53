/**
 * What synth checks of an object it did not make alone (an extra object, a
 * patched one): the fields the API server requires of every object and of
 * the pod specs, Services and workload selectors in it, and label syntax
 * (lib/config/k8s-rules.ts). The tests check the output against the full
 * Kubernetes schemas besides (test/support/k8s-schema.ts); that check needs
 * the schema packages of the devDependencies, so synth does this one.
 */
import { isDns1123Label, isLabelValue, isQualifiedName } from '../config/k8s-rules';
import type { Obj } from '../config/untyped';


const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isName = (v: unknown) => typeof v === 'string' && v !== '';

/** The pod templates of a workload object (and their field paths), or a Pod's own spec. */
export function podTemplates(obj: Obj): { path: string; template: Obj }[] {
  const spec = obj.spec;
  if (!isObj(spec)) return [];
  if (obj.kind === 'CronJob') {
    const t = spec.jobTemplate?.spec?.template;
    return isObj(t) ? [{ path: 'spec.jobTemplate.spec.template', template: t }] : [];
  }
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(obj.kind) && isObj(spec.template)) return [{ path: 'spec.template', template: spec.template }];
  return [];
}

function metadataProblems(meta: unknown, at: string): string[] {
  if (!isObj(meta)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(isObj(meta.labels) ? meta.labels : {})) {
    if (!isQualifiedName(k)) out.push(`${at}.labels: "${k}" is not a label key`);
    if (typeof v !== 'string' || !isLabelValue(v)) out.push(`${at}.labels["${k}"]: ${JSON.stringify(v)} is not a label value`);
  }
  for (const [k, v] of Object.entries(isObj(meta.annotations) ? meta.annotations : {})) {
    if (!isQualifiedName(k)) out.push(`${at}.annotations: "${k}" is not an annotation key`);
    if (typeof v !== 'string') out.push(`${at}.annotations["${k}"]: must be a string, found ${JSON.stringify(v)}`);
  }
  return out;
}

function podSpecProblems(spec: unknown, at: string): string[] {
  if (!isObj(spec)) return [`${at}: is missing`];
  const out: string[] = [];
  const volumes = Array.isArray(spec.volumes) ? spec.volumes : [];
  const volumeNames = new Set(volumes.map((v: Obj) => v?.name));
  volumes.forEach((v: Obj, i: number) => {
    if (!isName(v?.name)) out.push(`${at}.volumes[${i}].name: is missing`);
  });
  if (volumeNames.size !== volumes.length) out.push(`${at}.volumes: two volumes have the same name`);
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) out.push(`${at}.containers: a pod needs at least one container`);
  for (const list of ['initContainers', 'containers']) {
    const containers = Array.isArray(spec[list]) ? spec[list] : [];
    containers.forEach((c: Obj, i: number) => {
      const here = `${at}.${list}[${i}]`;
      if (!isObj(c)) {
        out.push(`${here}: must be a mapping`);
        return;
      }
      if (c.name === undefined) out.push(`${here}.name: is missing`);
      else if (!isName(c.name) || !isDns1123Label(c.name)) out.push(`${here}.name: must be a DNS-1123 label, found ${JSON.stringify(c.name)}`);
      if (!isName(c.image)) out.push(`${here}.image: is missing`);
      (Array.isArray(c.env) ? c.env : []).forEach((e: Obj, j: number) => {
        if (!isName(e?.name)) out.push(`${here}.env[${j}].name: is missing`);
      });
      (Array.isArray(c.ports) ? c.ports : []).forEach((p: Obj, j: number) => {
        if (!Number.isInteger(p?.containerPort)) out.push(`${here}.ports[${j}].containerPort: must be a port number`);
      });
      (Array.isArray(c.volumeMounts) ? c.volumeMounts : []).forEach((m: Obj, j: number) => {
        if (!isName(m?.mountPath)) out.push(`${here}.volumeMounts[${j}].mountPath: is missing`);
        if (!volumeNames.has(m?.name)) out.push(`${here}.volumeMounts[${j}].name: no volume of the pod is named ${JSON.stringify(m?.name)}`);
      });
    });
  }
  return out;
}

/** What the API server would refuse in `obj`, as `field: reason` lines (empty when none is found). */
export function structureProblems(obj: Obj): string[] {
  const out: string[] = [];
  if (!isName(obj.apiVersion)) out.push('apiVersion: is missing');
  if (!isName(obj.kind)) out.push('kind: is missing');
  if (!isObj(obj.metadata) || !isName(obj.metadata.name)) out.push('metadata.name: is missing');
  out.push(...metadataProblems(obj.metadata, 'metadata'));
  if (obj.kind === 'Pod') out.push(...podSpecProblems(obj.spec, 'spec'));
  for (const { path, template } of podTemplates(obj)) {
    out.push(...metadataProblems(template.metadata, `${path}.metadata`), ...podSpecProblems(template.spec, `${path}.spec`));
    const selector = obj.spec.selector?.matchLabels;
    if (obj.kind !== 'Job' && obj.kind !== 'CronJob') {
      if (!isObj(selector)) out.push('spec.selector.matchLabels: is missing');
      else {
        const podLabels = isObj(template.metadata?.labels) ? template.metadata.labels : {};
        for (const [k, v] of Object.entries(selector)) if (podLabels[k] !== v) out.push(`spec.selector.matchLabels["${k}"]: the pod template does not carry ${k}=${String(v)}, so the selector ` +
          `matches none of its pods`);
      }
    }
  }
  if (obj.kind === 'Service' && obj.spec?.type !== 'ExternalName' && obj.spec?.clusterIP !== 'None') {
    const ports = obj.spec?.ports;
    if (!Array.isArray(ports) || ports.length === 0) out.push('spec.ports: a Service needs at least one port');
    else ports.forEach((p: Obj, i: number) => {
      if (!Number.isInteger(p?.port)) out.push(`spec.ports[${i}].port: must be a port number`);
    });
  }
  return out;
}

/**
 * A value's JSON type: `null`, `array`, `object`, `boolean`, or `scalar` for
 * strings and numbers (int-or-string fields and quantities take both).
 */
const jsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'string' || typeof v === 'number' ? 'string or number' : typeof v);

/**
 * The fields that a patch gave another JSON type than the generated object
 * had (e.g. `spec.replicas: "two"`), as `field: reason` lines: a generated
 * object's fields are schema-valid, so their types are the schema's. A
 * string for a number is not told apart (int-or-string fields take both):
 * the tests' schema check does that.
 */
export function typeChanges(before: unknown, after: unknown, at = ''): string[] {
  if (jsonType(before) !== jsonType(after)) return [`${at || '(the object)'}: was ${jsonType(before)}, the patch makes it ${jsonType(after)}`];
  if (Array.isArray(before)) {
    const a = after as unknown[];
    return before.slice(0, a.length).flatMap((v, i) => typeChanges(v, a[i], `${at}[${i}]`));
  }
  if (isObj(before)) {
    const a = after as Obj;
    return Object.keys(before).filter((k) => k in a).flatMap((k) => typeChanges(before[k], a[k], at ? `${at}.${k}` : k));
  }
  return [];
}
