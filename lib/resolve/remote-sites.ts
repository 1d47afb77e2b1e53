/**
 * Remote sites (cross-silo): client sites that run the task manager in
 * cluster mode in another organization's Kubernetes cluster, each resolved
 * from `remoteSites.defaults` and its own fields (the site's win, field by
 * field; env and dirs are merged), with the rules that relate their fields to
 * each other and to the rest of the config.
 */
import { splitHostPort } from '../config/addresses';
import { TASK_MANAGER_DEFAULTS } from '../config/defaults';
import type { RuleIssue } from '../config/errors';
import { Config, RemoteSiteConfig, RemoteSiteSettings, Resources } from '../config/schema';
import { platformImage } from '../images';
import { resourceName } from '../labels';
import { PlatformContext, platformContext } from './context';
import { type TaskManagerSettings, withRoot } from './site';
import { siteDirs } from './site-dirs';
import type { CertificateIssuance, TlsSettings } from './tls';
import { envRule, latestRule, SITE_DIR_KEYS, siteDirRules } from './rules';

/** Default host paths of a remote site's folders (on the site cluster's labelled nodes). */
export const REMOTE_DIRS_ROOT = '/var/lib/neursafe-fl';

/** Folder (under the output folder) of the remote sites' folders: `sites/<name>/`. */
export const SITES_DIR = 'sites';

/** The longest suffix a site's resource names get (`<site context name>-db-edge-task-manager`, a database role's Secret). */
const LONGEST_SUFFIX = 'db-edge-task-manager';

/** The NodePort range of a default cluster. */
const NODE_PORTS = { min: 30000, max: 32767 } as const;

/** The instance name of a remote site's objects (and the prefix of their names): `<name>-site-<site>`. */
function remoteSiteInstance(config: Pick<Config, 'name'>, site: string): string {
  return resourceName(config, `site-${site}`);
}

/** The Secret of a remote site's certificate, in the server's namespace (issued) and the site's (copied): `<name>-site-<site>-tls`. */
function remoteSiteSecret(config: Pick<Config, 'name'>, site: string): string {
  return `${remoteSiteInstance(config, site)}-tls`;
}

/** A remote site's database. */
export type RemoteSiteDatabase =
  /** PostgreSQL in the site's namespace, with credentials generated there. */
  | {
      readonly type: 'embedded';
      /** `DB_NAME`. */
      readonly name: string;
      /** Size of the data volume (a quantity such as `10Gi`). */
      readonly storageSize: string | number;
      /**
       * StorageClass of the data volume.
       * @default the site cluster's default
       */
      readonly storageClassName?: string;
      /**
       * Resources of PostgreSQL.
       * @default the Database construct's
       */
      readonly resources?: Resources;
    }
  /** A database of the site's organization, by address and a Secret in the site's namespace. */
  | {
      readonly type: 'postgreSQL' | 'mongo';
      /** `DB_NAME`. */
      readonly name: string;
      /** `DB_ADDRESS`. */
      readonly address: string;
      /** The Secret (in the site's namespace) with the user and password. */
      readonly credentials: { readonly name: string; readonly usernameKey: string; readonly passwordKey: string };
    };

/** A remote site's certificate: issued in the server's cluster, copied by the operator into the site's namespace. */
export interface RemoteSiteTls {
  /** The Secret (tls.crt, tls.key, ca.crt) in both namespaces. */
  readonly secretName: string;
  /**
   * How cert-manager issues it in the server's cluster.
   * @default none: you bring the Secret (tls.certificates existing)
   */
  readonly issuance?: CertificateIssuance;
  /** Its common name: the cloud task manager's role, which the proxy admits and the site's embedded database logs in. */
  readonly commonName: string;
  /** Host names and addresses in it: the external address's host and, for an embedded database, the site database's Service names. */
  readonly hosts: readonly string[];
  /** The TLS tunnel to the proxy: its loopback port and the name it checks in the proxy's certificate. */
  readonly tunnel: { readonly port: number; readonly proxyName: string };
}

/** One remote site, fully resolved. */
export interface RemoteSite {
  /** The site's name (`remoteSites.sites[].name`): its folder `sites/<name>/`. */
  readonly name: string;
  /** Names, labels, namespace and images of the site's objects: instance `<name>-site-<site>`, the site's namespace. */
  readonly context: PlatformContext;
  /**
   * The Argo CD destination of its cluster.
   * @default none: delivered with kubectl
   */
  readonly destination?: { readonly server?: string; readonly name?: string };
  /** host:port at which the server's coordinators reach it (`external_address`). */
  readonly externalAddress: string;
  /** Its external Service. */
  readonly expose: {
    /** NodePort or LoadBalancer. */
    readonly type: 'NodePort' | 'LoadBalancer';
    /** The Service's port: externalAddress's port (the NodePort itself for NodePort). */
    readonly port: number;
    /** Annotations of the Service. */
    readonly annotations: Readonly<Record<string, string>>;
    /**
     * Source ranges a LoadBalancer admits.
     * @default none: any source
     */
    readonly sourceRanges?: readonly string[];
  };
  /** The task manager's settings. */
  readonly settings: TaskManagerSettings;
  /** The site's database. */
  readonly database: RemoteSiteDatabase;
  /**
   * Its certificate.
   * @default none: TLS is off
   */
  readonly tls?: RemoteSiteTls;
}

/** The remote sites, resolved. */
export interface RemoteSitesModel {
  /** The sites, sorted by name (output never depends on list order). */
  readonly sites: readonly RemoteSite[];
  /**
   * host:port at which the sites reach the proxy's gRPC port (`proxy.externalAddress`).
   * @default none: there are no sites
   */
  readonly proxyAddress?: string;
}

/** The most specific value of a field. */
function pick<K extends keyof RemoteSiteSettings>(site: RemoteSiteConfig, defaults: RemoteSiteSettings, key: K): RemoteSiteSettings[K] | undefined {
  return site[key] ?? defaults[key];
}

/** The image for the site's arch: at the site, its per-arch one, then its all-arch one; then the defaults' likewise. */
function imageFor(site: RemoteSiteConfig, defaults: RemoteSiteSettings, perArch: 'images' | 'executorImages', all: 'image' | 'executorImage'): string | undefined {
  return site[perArch]?.[site.arch] ?? site[all] ?? defaults[perArch]?.[site.arch] ?? defaults[all];
}

/** Resources merged over the defaults. */
function mergeResources(site: RemoteSiteConfig, defaults: RemoteSiteSettings): Resources | undefined {
  if (site.resources === undefined && defaults.resources === undefined) return undefined;
  return {
    requests: { ...defaults.resources?.requests, ...site.resources?.requests },
    limits: { ...defaults.resources?.limits, ...site.resources?.limits },
  };
}

/** Every remote site, resolved (the config has been checked by {@link remoteSiteRules}). */
export function resolveRemoteSites(config: Config, tls: TlsSettings | undefined): RemoteSitesModel {
  const { defaults, sites } = config.remoteSites;
  if (sites.length === 0) return { sites: [] };
  const base = platformContext(config);
  // A site whose external database is missing is left out: the rules report it, and nothing is built from a config with errors.
  const complete = sites.filter((site) => site.database.type === 'embedded' || site.database.external !== undefined);
  const resolved = complete.map((site): RemoteSite => {
    const instance = remoteSiteInstance(config, site.name);
    // Another arch without an image of its own is refused by the rules.
    const image = imageFor(site, defaults, 'images', 'image') ?? platformImage(config, TASK_MANAGER_DEFAULTS.image);
    const db = site.database;
    const database: RemoteSiteDatabase =
      db.type === 'embedded'
        ? { type: 'embedded', name: db.name, storageSize: db.embedded.storageSize, storageClassName: db.embedded.storageClassName, resources: db.embedded.resources }
        : // Presence is guaranteed by the filter above.
          { type: db.type, name: db.name, address: db.external!.address, credentials: db.external!.credentials };
    const dbService = `${instance}-database`;
    const dbHosts = db.type === 'embedded' ? [dbService, `${dbService}.${site.namespace}`, `${dbService}.${site.namespace}.svc`, `${dbService}.${site.namespace}.svc.cluster.local`] : [];
    return {
      name: site.name,
      context: { ...base, name: instance, namespace: site.namespace },
      destination: site.destination,
      externalAddress: site.externalAddress,
      expose: {
        type: site.expose.type,
        port: Number(splitHostPort(site.externalAddress)[1]),
        annotations: site.expose.annotations,
        sourceRanges: site.expose.sourceRanges,
      },
      settings: {
        port: pick(site, defaults, 'port') ?? TASK_MANAGER_DEFAULTS.port,
        workerPort: pick(site, defaults, 'workerPort') ?? TASK_MANAGER_DEFAULTS.workerPort,
        runtime: pick(site, defaults, 'runtime') ?? TASK_MANAGER_DEFAULTS.runtime,
        storageQuota: pick(site, defaults, 'storageQuota') ?? TASK_MANAGER_DEFAULTS.storageQuota,
        registration: pick(site, defaults, 'registration') ?? TASK_MANAGER_DEFAULTS.registration,
        maxTaskParallelism: pick(site, defaults, 'maxTaskParallelism'),
        label: pick(site, defaults, 'label'),
        clusterLabelKey: pick(site, defaults, 'clusterLabelKey') ?? config.taskManager.clusterLabelKey,
        clusterLabelValue: pick(site, defaults, 'clusterLabelValue') ?? site.name,
        logLevel: pick(site, defaults, 'logLevel') ?? TASK_MANAGER_DEFAULTS.logLevel,
        image,
        executorImage: imageFor(site, defaults, 'executorImages', 'executorImage') ?? image,
        resources: mergeResources(site, defaults),
        env: { ...defaults.env, ...site.env },
        ...withRoot({ ...defaults.dirs, ...site.dirs }, REMOTE_DIRS_ROOT),
      },
      database,
      tls: tls && {
        secretName: remoteSiteSecret(config, site.name),
        issuance: tls.issuance,
        commonName: tls.taskManagerName,
        hosts: [splitHostPort(site.externalAddress)[0], ...dbHosts],
        tunnel: { port: tls.tunnelPort, proxyName: tls.proxyHost },
      },
    };
  });
  resolved.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { sites: resolved, proxyAddress: config.proxy.externalAddress };
}

/** The rules of one remote site: its name's length, namespace, folders, exposure, image, database, destination and port. */
function oneSiteRules(c: Config, site: Config['remoteSites']['sites'][number], i: number): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const { defaults } = c.remoteSites;
  const at = (...rest: (string | number)[]) => ['remoteSites', 'sites', i, ...rest];
  const instance = remoteSiteInstance(c, site.name);
  if (instance.length + 1 + LONGEST_SUFFIX.length > 63) {
    const most = 63 - 1 - LONGEST_SUFFIX.length - (instance.length - site.name.length);
    issues.push({
      path: at('name'),
      severity: 'error',
      message: `"${site.name}" is too long: the site's objects are named ${instance}-<suffix>, up to ${instance}-${LONGEST_SUFFIX}, which must fit in 63 characters ` +
        `(at most ${most} characters for the site name with name "${c.name}")`,
    });
  }
  if (site.namespace === 'default') {
    issues.push({ path: at('namespace'), severity: 'error', message: 'must not be "default": the task manager creates its executors there; give it a namespace of its own, e.g. neursafe-fl' });
  }
  // Site folders: each its own path, none over a folder the task manager container mounts.
  const dirs = siteDirs({ ...defaults.dirs, ...site.dirs }, REMOTE_DIRS_ROOT);
  const setAt = (key: (typeof SITE_DIR_KEYS)[number]) =>
    site.dirs?.[key] !== undefined ? at('dirs', key) : defaults.dirs?.[key] !== undefined ? ['remoteSites', 'defaults', 'dirs', key] : undefined;
  issues.push(...siteDirRules(SITE_DIR_KEYS.map((key) => ({ key, path: dirs[key], setAt: setAt(key) })), at()));
  const port = Number(splitHostPort(site.externalAddress)[1]);
  if (site.expose.type === 'NodePort' && (port < NODE_PORTS.min || port > NODE_PORTS.max)) {
    issues.push({
      path: at('externalAddress'),
      severity: 'error',
      message: `expose.type is NodePort, so the port of externalAddress is the NodePort, which must be in ${NODE_PORTS.min}-${NODE_PORTS.max}; found ${port} (or set expose.type: LoadBalancer)`,
      related: at('expose', 'type'),
    });
  }
  if (site.expose.type === 'NodePort' && site.expose.sourceRanges !== undefined) {
    const message = 'only a LoadBalancer admits by source range: a NodePort cannot be restricted by source address';
    issues.push({ path: at('expose', 'sourceRanges'), severity: 'error', message, related: at('expose', 'type') });
  }
  if (site.arch !== 'amd64' && imageFor(site, defaults, 'images', 'image') === undefined) {
    const message = `the site's nodes are ${site.arch} but no task manager image is set for ${site.arch}: set its images.${site.arch} (or remoteSites.defaults')`;
    issues.push({ path: at('arch'), severity: 'error', message });
  }
  const db = site.database;
  if (db.type !== 'embedded' && db.external === undefined) {
    const message = `database.type is "${db.type}": set database.external (address and credentials)`;
    issues.push({ path: at('database', 'external'), severity: 'error', message, related: at('database', 'type') });
  }
  if (db.type === 'embedded' && db.external !== undefined) {
    issues.push({ path: at('database', 'external'), severity: 'error', message: 'database.external is set but database.type is "embedded": choose one', related: at('database', 'type') });
  }
  if (db.type === 'postgreSQL' && db.external && !/^[^:/\s]+:\d+$/.test(db.external.address)) {
    const message = `database.type is postgreSQL, whose addresses must be exactly host:port (the programs split on ":"); found "${db.external.address}"`;
    issues.push({ path: at('database', 'external', 'address'), severity: 'error', message });
  }
  if (c.gitops.argocd.enabled && site.destination?.server === undefined && site.destination?.name === undefined) {
    issues.push({
      path: at('destination'),
      severity: 'error',
      message: "gitops.argocd.enabled is true: set the Argo CD destination of the site's cluster (server or name), or the site's Application would deploy it into Argo CD's own cluster",
      related: ['gitops', 'argocd', 'enabled'],
    });
  }
  // One pod: the task manager, its API proxy sidecar and its TLS tunnel.
  const tmPort = site.port ?? defaults.port ?? TASK_MANAGER_DEFAULTS.port;
  const portPath = site.port !== undefined ? at('port') : defaults.port !== undefined ? ['remoteSites', 'defaults', 'port'] : at();
  const inPod = [
    { port: c.apiProxy.port, what: 'the API proxy sidecar (apiProxy.port)' },
    ...(c.tls.enabled ? [{ port: c.tls.tunnelPort, what: 'the TLS tunnel (tls.tunnelPort)' }] : []),
  ];
  for (const other of inPod) {
    if (other.port === tmPort) issues.push({ path: portPath, severity: 'error', message: `port ${tmPort} of the site's task manager is already used by ${other.what} in the same pod` });
  }
  return issues;
}

/** The cross-field rules of `remoteSites`. */
export function remoteSiteRules(c: Config): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const { defaults, sites } = c.remoteSites;
  if (sites.length === 0) return issues;
  const at = (i: number, ...rest: (string | number)[]) => ['remoteSites', 'sites', i, ...rest];
  // Images and environment, wherever they are set.
  const levels = [{ path: ['remoteSites', 'defaults'] as (string | number)[], s: defaults as RemoteSiteSettings }, ...sites.map((s, i) => ({ path: at(i), s }))];
  for (const { path, s } of levels) {
    for (const key of ['image', 'executorImage'] as const) issues.push(...latestRule(c, s[key], [...path, key]));
    for (const key of ['images', 'executorImages'] as const) {
      for (const [arch, ref] of Object.entries(s[key] ?? {})) issues.push(...latestRule(c, ref, [...path, key, arch]));
    }
    issues.push(...envRule(s.env ?? {}, [...path, 'env']));
  }
  if (c.proxy.externalAddress === undefined) {
    issues.push({
      path: ['proxy', 'externalAddress'],
      severity: 'error',
      message: "remoteSites is not empty: set proxy.externalAddress, the host:port at which the sites' task managers reach the proxy from their clusters",
      related: ['remoteSites', 'sites'],
    });
  }
  const names = new Map<string, number>();
  const addresses = new Map<string, number>();
  sites.forEach((site, i) => {
    const first = names.get(site.name);
    if (first !== undefined) {
      const message = `remote site "${site.name}" is already defined at remoteSites.sites[${first}]: names must be unique`;
      issues.push({ path: at(i, 'name'), severity: 'error', message, related: at(first, 'name') });
    } else names.set(site.name, i);
    const other = addresses.get(site.externalAddress);
    if (other !== undefined) {
      issues.push({
        path: at(i, 'externalAddress'),
        severity: 'error',
        message: `"${site.externalAddress}" is already the externalAddress of remoteSites.sites[${other}]: coordinators would reach one site for both`,
        related: at(other, 'externalAddress'),
      });
    } else addresses.set(site.externalAddress, i);
    issues.push(...oneSiteRules(c, site, i));
  });
  return issues;
}
