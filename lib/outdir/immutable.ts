/**
 * Changes Kubernetes refuses on a live object: an object keeps its identity
 * (API group, kind, namespace, name) between the previous output and the new
 * one, but a field that cannot be updated differs. `kubectl apply` fails,
 * and Argo CD retries, then stops. Such objects must be deleted and created
 * again, which Argo CD does for objects carrying the `Replace=true,Force=true`
 * sync options.
 */
import { objectKey, objectName, PlacedObject } from './diff';

/** Argo CD's per-object sync options annotation. */
export const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';

/** The sync options that make Argo CD delete and create an object instead of patching it. */
export const RECREATE_OPTIONS = ['Replace=true', 'Force=true'] as const;

/** One object whose change Kubernetes would refuse. */
export interface ImmutableChange {
  /** The file it is in (new output), relative to the output folder. */
  readonly file: string;
  /** The new object. */
  readonly obj: Record<string, any>;
  /** `Kind namespace/name`. */
  readonly object: string;
  /** The immutable fields that changed, e.g. `spec.volumeClaimTemplates`. */
  readonly fields: readonly string[];
  /** Whether deleting and creating the object loses no data. */
  readonly recreatable: boolean;
  /** What else to do, beyond recreating it; empty when nothing. */
  readonly advice: string;
}

type Obj = Record<string, any>;

/** The fields of `spec` a StatefulSet update may change; every other is immutable. */
const STATEFULSET_MUTABLE = new Set(['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds']);

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The changed fields among `fields` (dotted paths below the object). */
function changed(before: Obj, after: Obj, fields: readonly string[]): string[] {
  const at = (o: Obj, f: string) => f.split('.').reduce<any>((v, k) => v?.[k], o);
  return fields.filter((f) => !same(at(before, f), at(after, f)));
}

/** Bytes of a Kubernetes quantity (`10Gi`, `500M`, `1e3`); NaN when it is not one. */
export function quantityBytes(q: unknown): number {
  const m = /^([0-9.]+(?:e[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$/.exec(String(q ?? ''));
  if (!m) return NaN;
  const units: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  return Number(m[1]) * units[m[2] ?? ''];
}

/** The immutable fields of one object that changed, and whether recreating it is safe. */
function check(before: Obj, after: Obj): Pick<ImmutableChange, 'fields' | 'recreatable' | 'advice'> {
  const group = String(after.apiVersion).split('/').slice(0, -1).join('/');
  const kind = `${group}/${after.kind}`;
  const none = { fields: [], recreatable: true, advice: '' };
  switch (kind) {
    case 'apps/StatefulSet': {
      const keys = [...new Set([...Object.keys(before.spec ?? {}), ...Object.keys(after.spec ?? {})])].filter((k) => !STATEFULSET_MUTABLE.has(k));
      const fields = changed(before, after, keys.sort().map((k) => `spec.${k}`));
      const keepsClaims = after.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted !== 'Delete';
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
      if (after.metadata?.annotations?.['argocd.argoproj.io/hook'] !== undefined) return none;
      return { ...none, fields: changed(before, after, ['spec.selector', 'spec.template']) };
    case '/Service': {
      const external = (o: Obj) => o.spec?.type === 'ExternalName';
      if (external(before) !== external(after)) return { ...none, fields: ['spec.type'] };
      return { ...none, fields: changed(before, after, ['spec.clusterIP']) };
    }
    case '/PersistentVolumeClaim': {
      const withoutSize = (o: Obj) => ({ ...o.spec, resources: { ...o.spec?.resources, requests: { ...o.spec?.resources?.requests, storage: undefined } } });
      const fields = same(withoutSize(before), withoutSize(after)) ? [] : ['spec'];
      const size = (o: Obj) => quantityBytes(o.spec?.resources?.requests?.storage);
      if (size(after) < size(before)) fields.push('spec.resources.requests.storage');
      return { fields, recreatable: false, advice: 'Recreating a claim deletes its data: back it up, delete the claim by hand, sync, and restore.' };
    }
    case '/ConfigMap':
    case '/Secret':
      if (before.immutable !== true) return none;
      return { ...none, fields: changed(before, after, ['immutable', 'data', 'binaryData', 'stringData']) };
    case 'rbac.authorization.k8s.io/RoleBinding':
    case 'rbac.authorization.k8s.io/ClusterRoleBinding':
      return { ...none, fields: changed(before, after, ['roleRef']) };
    default:
      return none;
  }
}

/** Every object of `after` whose change from its namesake in `before` touches an immutable field. */
export function immutableChanges(before: readonly PlacedObject[], after: readonly PlacedObject[]): ImmutableChange[] {
  const old = new Map(before.map(({ obj }) => [objectKey(obj), obj]));
  const found: ImmutableChange[] = [];
  for (const { file, obj } of after) {
    const prev = old.get(objectKey(obj));
    if (prev === undefined) continue;
    const { fields, recreatable, advice } = check(prev, obj);
    if (fields.length > 0) found.push({ file, obj, object: objectName(obj), fields, recreatable, advice });
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
