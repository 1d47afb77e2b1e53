/**
 * Rules that relate several fields of a parsed, defaulted config. Each rule
 * reports a field path and a message; `load.ts` adds file and line.
 */
import { HOST_PORT } from '../config/addresses';
import { isWithin, pathsOverlap } from '../config/k8s-rules';
import type { RuleIssue } from '../config/errors';
import { Config } from '../config/schema';
import type { ComponentEntry } from '../config/components';
import { COORDINATOR_IMAGE } from '../config/defaults';
import { cloudSiteRoot, DIR_NAMES, SiteDirs, siteDirs, TASK_MANAGER_FIXED_MOUNTS } from './site-dirs';
import { platformPorts } from './platform-ports';

/**
 * Environment variables the generator sets itself; `env` maps of components
 * may not set them (they would silently break the wiring).
 */
const MANAGED_ENV = new Set([
  'DB_ADDRESS', 'DB_USERNAME', 'DB_PASSWORD', 'DB_TYPE', 'DB_NAME', 'DB_COLLECTION_NAME',
  'HTTP_PORT', 'PORT', 'SELECTOR_ADDRESS', 'JOB_SCHEDULER_ADDRESS', 'MODEL_MANAGER_ADDRESS',
  'SOURCE_MOUNT_PATH', 'TEMP_DIR', 'COORDINATOR_IMAGE', 'PROXY_ADDRESS', 'K8S_ADDRESS',
  'K8S_API_PROTOCOL', 'K8S_API_TOKEN', 'TOKEN', 'WORKSPACE', 'CLOUD_OS', 'LOG_LEVEL', 'DEPLOYMENT_WAY',
  'COORDINATOR_PORT', 'COORDINATOR_WORKSPACE_PATH', 'MODELS_DIR', 'STORAGE_TYPE', 'STORAGE_ENDPOINT',
  'ACCESS_KEY', 'SECRET_KEY', 'SINGLE_HEART', 'CLUSTER_HEART',
  'CONTAINER_EXECUTOR_IMAGE', 'K8S_IMAGE_PULL_SECRETS', 'WORKER_PORT', 'CLUSTER_LABEL_KEY', 'CLUSTER_LABEL_VALUE', 'PLATFORM',
]);


/** A reference to the tag of an image (`undefined`: no tag, which means `latest`). */
function imageTag(ref: string): string | undefined {
  const noDigest = ref.split('@')[0];
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? undefined : noDigest.slice(colon + 1);
}

/** Issues for an image that resolves to the mutable `latest` tag. */
export function latestRule(config: Config, ref: string | undefined, path: readonly PropertyKey[]): RuleIssue[] {
  if (ref === undefined || config.images.allowLatest || ref.includes('@sha256:')) return [];
  const tag = imageTag(ref);
  if (tag !== undefined && tag !== 'latest') return [];
  return [{
    path,
    severity: 'error',
    message: `image "${ref}" uses the mutable tag "latest"${tag === undefined ? ' (no tag given)' : ''}: pin a version, or set images.allowLatest: true`,
  }];
}

/** Issues for `env` maps that try to set a variable the generator owns. */
export function envRule(env: Record<string, string>, path: readonly PropertyKey[]): RuleIssue[] {
  return Object.keys(env)
    .filter((k) => MANAGED_ENV.has(k))
    .map((k) => ({
      path: [...path, k],
      severity: 'error' as const,
      message: `${k} is set by the generator from the rest of the config and cannot be overridden here`,
    }));
}

/** A port and where it is set. */
interface PortUse {
  readonly path: readonly PropertyKey[];
  readonly port: number;
  readonly what: string;
}

/** Issues for ports that must differ; `message` says why for a port and its earlier user. */
function uniquePorts(ports: readonly PortUse[], message: (p: PortUse, other: string) => string): RuleIssue[] {
  const seen = new Map<number, PortUse>();
  const issues: RuleIssue[] = [];
  for (const p of ports) {
    const other = seen.get(p.port);
    if (other !== undefined) issues.push({ path: p.path, severity: 'error', message: message(p, other.what), related: other.path });
    else seen.set(p.port, p);
  }
  return issues;
}

/** A resolved site folder and the field that set it (undefined: a default). */
export interface SiteDirUse {
  /** Which folder. */
  readonly key: keyof SiteDirs;
  /** Its host path (also its mount path). */
  readonly path: string;
  /** The config field that set it, if any. */
  readonly setAt?: readonly PropertyKey[];
}

/** The site folder keys, in mount order. */
export const SITE_DIR_KEYS = ['lmdb', 'workspace', 'datasets', 'taskConfigs'] as const;

/**
 * Issues for site folders that are the same path (the pod would mount two
 * volumes at one path) or that overlap a folder the task manager container
 * already mounts (its config folder, /tmp). `fallback` is reported for a
 * folder that was not set (it came from a default).
 */
export function siteDirRules(dirs: readonly SiteDirUse[], fallback: readonly PropertyKey[]): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const name = (d: SiteDirUse) => (d.setAt ? d.setAt.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').slice(1) : `the default ${d.key} folder`);
  dirs.forEach((d, i) => {
    for (const mount of TASK_MANAGER_FIXED_MOUNTS) {
      if (pathsOverlap(d.path, mount)) {
        issues.push({ path: d.setAt ?? fallback, severity: 'error', message: `the ${d.key} folder "${d.path}" overlaps ${mount}, which the task manager container already mounts (its ` +
          `${mount === '/tmp' ? 'scratch space' : 'config folder'}): choose a folder outside it` });
      }
    }
    const other = dirs.slice(0, i).find((o) => o.path === d.path);
    if (other) {
      const [at, with_] = d.setAt || !other.setAt ? [d, other] : [other, d];
      issues.push({ path: at.setAt ?? fallback, severity: 'error', message: `the ${at.key} folder "${at.path}" is the same path as ${name(with_)}: each site folder needs its own path` });
    }
  });
  return issues;
}

/** Issues for ports that must differ inside one pod. */
function distinctPorts(ports: readonly PortUse[]): RuleIssue[] {
  return uniquePorts(ports, (p, other) => `port ${p.port} of ${p.what} is already used by ${other} in the same pod`);
}

/**
 * The platform's cross-field rules (the edge fleet's are in edge/rules.ts).
 * @param components the registry's entries: the sections at their config keys get the per-component image and env rules
 */
export function platformRules(c: Config, components: readonly ComponentEntry[]): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const need = (cond: boolean, path: PropertyKey[], message: string, related?: PropertyKey[]) => {
    if (cond) issues.push({ path, message, severity: 'error', related });
  };

  const built = new Set([COORDINATOR_IMAGE, ...components.flatMap((e) => (e.image === undefined ? [] : [e.image]))]);
  for (const name of Object.keys(c.images.digests)) {
    if (!built.has(name)) issues.push({ path: ['images', 'digests', name], severity: 'error', message: `"${name}" is not an image the platform builds (${[...built].sort().join(', ')}): a digest ` +
      `for it would pin nothing` });
  }
  if (c.images.tag === 'latest' && !c.images.allowLatest) {
    issues.push({ path: ['images', 'tag'], severity: 'error', message: 'the mutable tag "latest" is refused: pin a version, or set images.allowLatest: true' });
  }
  for (const key of ['coordinator', 'kubectl', 'busybox', 'postgres', 'mongo', 'minio'] as const) {
    issues.push(...latestRule(c, c.images[key], ['images', key]));
  }
  // In the config's order (the schema's), so the messages follow the file's layout.
  const componentKeys = new Set(components.flatMap((comp) => (comp.configKey === undefined ? [] : [comp.configKey])));
  for (const key of Object.keys(c).filter((k) => componentKeys.has(k))) {
    const section = (c as Readonly<Record<string, { readonly image?: string; readonly env?: Record<string, string> }>>)[key];
    issues.push(...latestRule(c, section.image, [key, 'image']));
    if (section.env !== undefined) issues.push(...envRule(section.env, [key, 'env']));
  }
  issues.push(...latestRule(c, c.taskManager.executorImage, ['taskManager', 'executorImage']));

  const db = c.database;
  need(db.type !== 'embedded' && db.external === undefined, ['database', 'external'], `database.type is "${db.type}": set database.external (address and credentials)`, ['database', 'type']);
  need(db.type === 'embedded' && db.external !== undefined, ['database', 'external'], 'database.external is set but database.type is "embedded": choose one', ['database', 'type']);
  if (db.type === 'postgreSQL' && db.external && !HOST_PORT.test(db.external.address)) {
    issues.push({ path: ['database', 'external', 'address'], severity: 'error', message: `database.type is postgreSQL, whose addresses must be exactly host:port (the programs split on ":"), e.g. ` +
      `db.example.com:5432; found "${db.external.address}"` });
  }
  need(c.modelStorage.type === 's3' && c.modelStorage.s3 === undefined, ['modelStorage', 's3'], 'modelStorage.type is "s3": set modelStorage.s3 (endpoint and credentials)', ['modelStorage', 'type']);
  need(c.objectStorage.type === 'external' && c.objectStorage.external === undefined, ['objectStorage', 'external'], 'objectStorage.type is "external": set ' +
    'objectStorage.external.endpoint', ['objectStorage', 'type']);
  issues.push(...coordinatorKeyRule(c));
  need(c.gitops.argocd.enabled && c.gitops.argocd.repoURL === undefined, ['gitops', 'argocd', 'repoURL'], 'gitops.argocd.enabled is true: set the repoURL of the Git repository that holds ' +
    'dist/', ['gitops', 'argocd', 'enabled']);
  need(c.proxy.expose.type === 'ExternalIPs' && c.proxy.expose.externalIPs.length === 0, ['proxy', 'expose', 'externalIPs'], 'proxy.expose.type is "ExternalIPs": list at least one ' +
    'address', ['proxy', 'expose', 'type']);

  if (c.taskManager.enabled) issues.push(...siteDirsOutsideSharedRoot(c));
  issues.push(...namespacePrefixes(c.sharedRoot.namespaces));

  const apiProxyPort = { path: ['apiProxy', 'port'], port: c.apiProxy.port, what: 'the API proxy sidecar (apiProxy.port)' };
  // Beside every task manager, in the same pod.
  const tunnelPort = c.tls.enabled ? [{ path: ['tls', 'tunnelPort'], port: c.tls.tunnelPort, what: 'the TLS tunnel (tls.tunnelPort)' }] : [];
  issues.push(...distinctPorts([{ path: ['jobScheduler', 'port'], port: c.jobScheduler.port, what: 'the job scheduler (jobScheduler.port)' }, apiProxyPort]));
  issues.push(...distinctPorts([
    { path: ['proxy', 'grpcPort'], port: c.proxy.grpcPort, what: 'the proxy gRPC port (proxy.grpcPort)' },
    { path: ['proxy', 'httpPort'], port: c.proxy.httpPort, what: 'the proxy HTTP port (proxy.httpPort)' },
  ]));
  if (c.taskManager.enabled) {
    const tm = c.taskManager;
    const dirs = siteDirs(tm.dirs, `${c.sharedRoot.hostPath}/task-manager`);
    issues.push(...siteDirRules(SITE_DIR_KEYS.map((key) => ({ key, path: dirs[key], setAt: tm.dirs[key] === undefined ? undefined : ['taskManager', 'dirs', key] })), ['sharedRoot', 'hostPath']));
    issues.push(...distinctPorts([{ path: ['taskManager', 'port'], port: c.taskManager.port, what: 'the task manager (taskManager.port)' }, apiProxyPort, ...tunnelPort]));
  } else if (tunnelPort.length > 0) {
    // Edge task managers in sidecar mode have both in one pod.
    issues.push(...distinctPorts([apiProxyPort, ...tunnelPort]));
  }

  const nodePorts: PortUse[] = platformPorts(c)
    .filter((p) => p.nodePort)
    .map((p) => ({ path: p.path, port: p.port, what: p.field }));
  issues.push(...uniquePorts(nodePorts, (p, other) => `NodePort ${p.port} is already used by ${other}; NodePorts are cluster-wide and must be unique`));
  return issues;
}

/**
 * The cloud task manager's folders must not be inside the shared root: its
 * top-level folders are the upload endpoint's buckets, so any CLI user could
 * read the datasets and replace the task entry scripts executors run.
 */
/**
 * No FL namespace may begin with another's name and a "-": the programs name
 * a job's coordinator (Pod, Service, proxy route) `<namespace>-<job>`, so job
 * "b-x" of namespace "a" and job "x" of namespace "a-b" would be the same
 * coordinator, and the proxy could not tell which namespace's certificate
 * to demand.
 */
function namespacePrefixes(namespaces: readonly string[]): RuleIssue[] {
  const issues: RuleIssue[] = [];
  namespaces.forEach((ns, i) => {
    const shorter = namespaces.find((other) => ns.startsWith(`${other}-`));
    if (shorter !== undefined) {
      issues.push({
        path: ['sharedRoot', 'namespaces', i],
        severity: 'error',
        message: `"${ns}" begins with the FL namespace "${shorter}" and a "-": coordinators are named <namespace>-<job>, so job "${ns.slice(shorter.length + 1)}-x" of "${shorter}" and job "x" of ` +
          `"${ns}" would be the same coordinator (Pod, Service, proxy route), and the proxy could not tell which namespace's certificate to demand; rename one of them`,
        related: ['sharedRoot', 'namespaces', namespaces.indexOf(shorter)],
      });
    }
  });
  return issues;
}

function siteDirsOutsideSharedRoot(c: Config): RuleIssue[] {
  const root = c.sharedRoot.hostPath;
  return Object.entries(c.taskManager.dirs)
    .filter(([, dir]) => dir !== undefined && isWithin(dir, root))
    .map(([key, dir]) => ({
      path: ['taskManager', 'dirs', key],
      severity: 'error' as const,
      message: `"${dir}" is inside sharedRoot.hostPath "${root}", whose folders the upload endpoint serves as buckets to every CLI user: choose a folder outside it (default: ` +
        `${cloudSiteRoot(c)}/${DIR_NAMES[key as keyof typeof DIR_NAMES]})`,
    }));
}

/**
 * With TLS, the job scheduler writes each FL namespace's coordinator key into
 * `<sharedRoot>/<ns>/<tls.coordinatorFolder>/`, and the upload endpoint serves
 * bucket `<ns>` from `<sharedRoot>/<ns>/`. The key cannot live elsewhere: the
 * job's `ssl` path is taken below the namespace's folder, and a `..` in it
 * makes a host path the API server refuses (docs/security.md). The embedded
 * endpoint gets an empty folder mounted over it; an external one must deny
 * the prefix itself, and the config must say so.
 */
function coordinatorKeyRule(c: Config): RuleIssue[] {
  const o = c.objectStorage;
  if (!c.tls.enabled || o.type !== 'external' || o.external === undefined || o.external.deniesCoordinatorFolder) return [];
  const folder = c.tls.coordinatorFolder;
  const prefixes = c.sharedRoot.namespaces.map((ns) => `${ns}/${folder}/`).join(', ');
  return [{
    path: ['objectStorage', 'external', 'deniesCoordinatorFolder'],
    severity: 'error',
    related: ['tls', 'enabled'],
    message: `with TLS and an external upload endpoint, the coordinators' private key is written to ${c.sharedRoot.hostPath}/<namespace>/${folder}/private.key, which that endpoint serves as an ` +
      `object to every user who can read the bucket (and lets them replace trusted.pem): make the endpoint deny every request for the keys ${prefixes} (bucket policy in docs/security.md, Jobs: ` +
        `the ssl key), then set objectStorage.external.deniesCoordinatorFolder: true`,
  }];
}
