/**
 * The Kubernetes API server's own validation rules (1.28) for the values this
 * app writes into manifests: object names, label keys and values, annotation
 * and ConfigMap sizes, ConfigMap/Secret keys, environment variable and port
 * names, quantities and tolerations.
 *
 * Each rule is defined here once. The config schema (`fields.ts`) builds its
 * field types and messages from them, and the tests check every generated
 * object against them (`test/support/api-rules.ts`).
 */

/** A DNS-1123 label (namespaces, container, volume and port-less names): `a-z`, `0-9`, `-`, alphanumeric at both ends. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 subdomain (most object names, class names): DNS-1123 labels joined by dots. */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A DNS-1035 label (Service names): a DNS-1123 label that starts with a letter. */
export const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** Longest DNS label (and label value, and the name part of a label key). */
export const DNS_LABEL_MAX = 63;
/** Longest DNS subdomain (and label key prefix). */
export const DNS_SUBDOMAIN_MAX = 253;

/** A label value: empty, or alphanumeric at both ends with `-`, `_`, `.` inside; at most 63 characters. */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** A label or annotation key: an optional DNS-1123 subdomain prefix and `/`, then a name like a non-empty label value. */
export const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** A ConfigMap or Secret data key: `-`, `_`, `.`, alphanumerics; not `.` or `..`, not starting with `..`; at most 253. */
export const CONFIG_MAP_KEY = /^(?!\.\.)(?!\.$)[-._a-zA-Z0-9]+$/;
/** An environment variable name as the API server accepts it. */
export const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
/** A port name (IANA_SVC_NAME): `a-z`, `0-9`, `-`, at most 15, at least one letter, no `--`, alphanumeric at both ends. */
export const PORT_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;

/** Port numbers a container or Service may use. */
export const PORT_RANGE = { min: 1, max: 65535 } as const;
/** The API server's default NodePort range (`--service-node-port-range`). */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

/** Most bytes all annotations of one object may take, keys and values together (256 KiB). */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;
/** Most bytes the data of one ConfigMap may take, keys and values together (1 MiB). */
export const MAX_CONFIG_MAP_BYTES = 1024 * 1024;

/** True for a DNS-1123 label of at most 63 characters. */
export function isDns1123Label(s: string): boolean {
  return s.length <= DNS_LABEL_MAX && DNS1123_LABEL.test(s);
}

/** True for a DNS-1123 subdomain of at most 253 characters. */
export function isDns1123Subdomain(s: string): boolean {
  return s.length <= DNS_SUBDOMAIN_MAX && DNS1123_SUBDOMAIN.test(s);
}

/** True for a DNS-1035 label of at most 63 characters (what a Service name must be). */
export function isDns1035Label(s: string): boolean {
  return s.length <= DNS_LABEL_MAX && DNS1035_LABEL.test(s);
}

/** True for a label value. */
export function isLabelValue(s: string): boolean {
  return s.length <= DNS_LABEL_MAX && LABEL_VALUE.test(s);
}

/** True for a label or annotation key (prefix at most 253 characters, name at most 63). */
export function isQualifiedName(s: string): boolean {
  const slash = s.indexOf('/');
  const name = s.slice(slash + 1);
  return QUALIFIED_NAME.test(s) && name.length <= DNS_LABEL_MAX && (slash === -1 || slash <= DNS_SUBDOMAIN_MAX);
}

/** True for a ConfigMap or Secret data key. */
export function isConfigMapKey(s: string): boolean {
  return s.length <= DNS_SUBDOMAIN_MAX && CONFIG_MAP_KEY.test(s);
}

/** Bytes of a string map as the API server counts them for annotations and ConfigMaps (UTF-8 keys plus values). */
export function mapBytes(map: Readonly<Record<string, string>>): number {
  let n = 0;
  for (const [k, v] of Object.entries(map)) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}

/** A quantity as written in a config: `100m`, `0.5`, `256Mi`, `2Gi`, `1e3`, or a number. */
export const QUANTITY = /^([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

const SUFFIX: Readonly<Record<string, number>> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The amount a quantity stands for (cores, bytes), or undefined when it is not a non-negative quantity. */
export function quantityValue(q: string | number): number | undefined {
  const m = QUANTITY.exec(String(q));
  if (!m) return undefined;
  const suffix = m[3] ?? '';
  return /^[eE]/.test(suffix) ? Number(`${m[1]}${suffix}`) : Number(m[1]) * SUFFIX[suffix];
}

/** A toleration as written in a pod spec. */
export interface TolerationLike {
  /** Taint key; empty matches every key (with operator Exists). */
  readonly key?: string;
  /** `Exists` or `Equal` (the default). */
  readonly operator?: string;
  /** Taint value, compared by `Equal`. */
  readonly value?: string;
  /** Taint effect; empty matches every effect. */
  readonly effect?: string;
  /** How long the pod stays bound after a NoExecute taint appears. */
  readonly tolerationSeconds?: number;
}

/** Taint effects a toleration may name. */
export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

/** What the API server refuses in one toleration, as field → reason (empty when valid). */
export function tolerationProblems(t: TolerationLike): { field: keyof TolerationLike; message: string }[] {
  const problems: { field: keyof TolerationLike; message: string }[] = [];
  const key = t.key ?? '';
  const value = t.value ?? '';
  if (key !== '' && !isQualifiedName(key)) problems.push({ field: 'key', message: `"${key}" is not a label key (e.g. example.com/gpu)` });
  if (key === '' && t.operator !== 'Exists') problems.push({ field: 'operator', message: 'must be Exists when key is empty (a toleration of every taint); set key, or operator: Exists' });
  if (t.operator === 'Exists' && value !== '') problems.push({ field: 'value', message: 'must be empty when operator is Exists; drop value, or use operator: Equal' });
  if (t.operator !== 'Exists' && !isLabelValue(value)) problems.push({ field: 'value', message: `"${value}" is not a label value (operator Equal compares it with a taint's value)` });
  if (t.operator !== undefined && t.operator !== 'Exists' && t.operator !== 'Equal') problems.push({ field: 'operator', message: 'must be Exists or Equal' });
  if (t.effect !== undefined && t.effect !== '' && !(TAINT_EFFECTS as readonly string[]).includes(t.effect)) problems.push({ field: 'effect', message: `must be one of ${TAINT_EFFECTS.join(', ')}` });
  if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') problems.push({ field: 'tolerationSeconds', message: 'is only allowed with effect: NoExecute (it is how long a pod stays after ' +
    'such a taint)' });
  return problems;
}

/** True when one absolute path is the other or lies inside it (two mounts that would shadow each other). */
export function pathsOverlap(a: string, b: string): boolean {
  return isWithin(a, b) || isWithin(b, a);
}

/** True when the absolute path `dir` is `root` or inside it. */
export function isWithin(dir: string, root: string): boolean {
  return dir === root || root === '/' || dir.startsWith(`${root}/`);
}
