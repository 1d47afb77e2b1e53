/**
 * Changes Kubernetes refuses on a live object: an object keeps its identity
 * (API group, kind, namespace, name) between the previous output and the new
 * one, but a field that cannot be updated differs. `kubectl apply` fails,
 * and Argo CD retries, then stops. Such objects must be deleted and created
 * again, which Argo CD does for objects carrying the `Replace=true,Force=true`
 * sync options.
 */
import { block, keysAt, ManifestDoc, valueAt } from './documents';
import type { Obj } from '../config/untyped';

/** Argo CD's per-object sync options annotation. */
export const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';

/** The sync options that make Argo CD delete and create an object instead of patching it. */
export const RECREATE_OPTIONS = ['Replace=true', 'Force=true'] as const;

/** One object whose change Kubernetes would refuse. */
export interface ImmutableChange {
  /** The new object's document. */
  readonly doc: ManifestDoc;
  /** `Kind namespace/name`. */
  readonly object: string;
  /** The immutable fields that changed, e.g. `spec.volumeClaimTemplates`. */
  readonly fields: readonly string[];
  /** Whether deleting and creating the object loses no data. */
  readonly recreatable: boolean;
  /** What else to do, beyond recreating it; empty when nothing. */
  readonly advice: string;
}


/** The fields of `spec` a StatefulSet update may change; every other is immutable. */
const STATEFULSET_MUTABLE = new Set(['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds']);

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The value at a dotted path (`spec.selector`) of a document, parsed from that subtree only. */
const value = (doc: string, field: string) => valueAt(doc, field.split('.'));

/** The fields among `fields` (dotted paths) whose values differ; texts compared first, parsed only when they differ. */
function changed(before: string, after: string, fields: readonly string[]): string[] {
  return fields.filter((f) => block(before, f.split('.')) !== block(after, f.split('.')) && !same(value(before, f), value(after, f)));
}

/** Bytes of a Kubernetes quantity (`10Gi`, `500M`, `1e3`); NaN when it is not one. */
function quantityBytes(q: unknown): number {
  const m = /^([0-9.]+(?:e[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$/.exec(String(q ?? ''));
  if (!m) return NaN;
  const units: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  return Number(m[1]) * units[m[2] ?? ''];
}

/** The immutable fields of one object (a document's text before and after) that changed, and whether recreating it is safe. */
function check(kind: string, before: string, after: string): Pick<ImmutableChange, 'fields' | 'recreatable' | 'advice'> {
  const none = { fields: [], recreatable: true, advice: '' };
  switch (kind) {
    case 'apps/StatefulSet': {
      const keys = [...new Set([...keysAt(before, ['spec']), ...keysAt(after, ['spec'])])].filter((k) => !STATEFULSET_MUTABLE.has(k));
      const fields = changed(before, after, keys.sort().map((k) => `spec.${k}`));
      const keepsClaims = (value(after, 'spec.persistentVolumeClaimRetentionPolicy') as Obj | undefined)?.whenDeleted !== 'Delete';
      const advice = fields.includes('spec.volumeClaimTemplates')
        ? 'Existing volume claims keep their old spec: resize them with `kubectl patch pvc` (the StorageClass must allow expansion).'
        : '';
      return { fields, recreatable: keepsClaims, advice };
    }
    case 'apps/Deployment':
    case 'apps/DaemonSet':
    case 'apps/ReplicaSet':
      return { ...none, fields: changed(before, after, ['spec.selector']) };
    case 'batch/Job':
      // Argo CD hooks are deleted and created by their hook-delete-policy.
      if ((value(after, 'metadata.annotations') as Obj | undefined)?.['argocd.argoproj.io/hook'] !== undefined) return none;
      return { ...none, fields: changed(before, after, ['spec.selector', 'spec.template']) };
    case '/Service': {
      const external = (doc: string) => value(doc, 'spec.type') === 'ExternalName';
      if (external(before) !== external(after)) return { ...none, fields: ['spec.type'] };
      return { ...none, fields: changed(before, after, ['spec.clusterIP']) };
    }
    case '/PersistentVolumeClaim': {
      const [old, now] = [value(before, 'spec') as Obj | undefined, value(after, 'spec') as Obj | undefined];
      const withoutSize = (spec?: Obj) => ({ ...spec, resources: { ...spec?.resources, requests: { ...spec?.resources?.requests, storage: undefined } } });
      const fields = same(withoutSize(old), withoutSize(now)) ? [] : ['spec'];
      if (quantityBytes(now?.resources?.requests?.storage) < quantityBytes(old?.resources?.requests?.storage)) fields.push('spec.resources.requests.storage');
      return { fields, recreatable: false, advice: 'Recreating a claim deletes its data: back it up, delete the claim by hand, sync, and restore.' };
    }
    case '/ConfigMap':
    case '/Secret':
      if (value(before, 'immutable') !== true) return none;
      return { ...none, fields: changed(before, after, ['immutable', 'data', 'binaryData', 'stringData']) };
    case 'rbac.authorization.k8s.io/RoleBinding':
    case 'rbac.authorization.k8s.io/ClusterRoleBinding':
      return { ...none, fields: changed(before, after, ['roleRef']) };
    default:
      return none;
  }
}

/** Every object of `after` whose change from its namesake in `before` touches an immutable field. */
export function immutableChanges(before: readonly ManifestDoc[], after: readonly ManifestDoc[]): ImmutableChange[] {
  const old = new Map(before.map((d) => [d.key, d]));
  const found: ImmutableChange[] = [];
  for (const doc of after) {
    const prev = old.get(doc.key);
    if (prev === undefined || prev.text === doc.text) continue;
    const { fields, recreatable, advice } = check(doc.kind, prev.text, doc.text);
    if (fields.length > 0) found.push({ doc, object: doc.name, fields, recreatable, advice });
  }
  return found;
}

/** Adds the recreate sync options to an object's annotations (keeping options already there). */
export function markForRecreate(obj: Obj): void {
  const annotations = (obj.metadata.annotations ??= {});
  const options = String(annotations[SYNC_OPTIONS] ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '' && !RECREATE_OPTIONS.some((r) => r.split('=')[0] === o.split('=')[0]));
  annotations[SYNC_OPTIONS] = [...options, ...RECREATE_OPTIONS].join(',');
}
