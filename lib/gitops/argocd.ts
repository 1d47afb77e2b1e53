/**
 * Argo CD wiring, in dist/argocd/ (applied once by hand:
 * `kubectl apply -f dist/argocd/`):
 *
 * - the platform's Application syncs the top-level files of dist/ only
 *   (no recursion), so it never sees the edge fleet or the Argo CD objects;
 * - the edge fleet's ApplicationSet makes one Application per shard folder
 *   `dist/edge/<shard>/` (Git directory generator), so each stays small at
 *   any fleet size, one node's change syncs one Application, and an offline
 *   node's Deployment only affects its shard's health.
 *
 * Every object belongs to exactly one Application. Names never equal the
 * config's `name` (the `app.kubernetes.io/instance` value every object
 * carries), so label tracking cannot claim untracked objects such as the
 * database's PVC (see lib/resolve/gitops-rules.ts).
 */
import { Construct } from 'constructs';
import { Application, ApplicationSet, ApplicationSpec, ApplicationSpecSource, ApplicationSpecSyncPolicy, ApplicationSpecSyncPolicyRetry } from '../imports/argoproj.io';
import { EDGE_DIR } from '../edge/shards';
import type { PlatformContext } from '../resolve/context';
import { mirrorImage } from '../images';
import { COMPONENT, labels } from '../labels';
import type { ArgoCdNames } from '../resolve/names';
import type { PlatformModel } from '../resolve/model';
import { ARGOCD_DIR } from '../file-chart';
import { SITES_DIR } from '../resolve/remote-sites';

/** Resource finalizer: deleting an Application deletes what it deployed, except objects marked Delete=false. */
const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** Sync options that keep an object through pruning and Application deletion (for what holds state: the Namespace). */
export const KEEP_ON_DELETE = { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' } as const;

/**
 * The Application that syncs an output file: the platform's for top-level
 * files, the shard's for `edge/<shard>/...`, the remote site's for
 * `sites/<site>/...`, none for `argocd/...` (applied by hand).
 */
export function applicationOfFile(names: ArgoCdNames, file: string): string | undefined {
  if (!file.endsWith('.yaml')) return undefined; // a record such as the edge nodes' ports: no manifest
  const parts = file.split('/');
  if (parts.length === 1) return names.platform;
  if (parts[0] === EDGE_DIR && parts.length === 3) return `${names.fleet}-${parts[1]}`;
  if (parts[0] === SITES_DIR && parts.length === 3) return names.remoteSite(parts[1]);
  if (parts[0] === ARGOCD_DIR) return undefined;
  throw new Error(`internal: no Application syncs ${file}`);
}

/** The Git directory generator's pattern of the shard folders under the repository folder `path`. */
function edgeShardsGlob(path: string): string {
  const base = path.replace(/^\.?\/+|\/+$/g, '');
  return base === '' || base === '.' ? `${EDGE_DIR}/*` : `${base}/${EDGE_DIR}/*`;
}

/** The Argo CD settings of the config (`gitops.argocd`). */
// An interface, so the API docs show it on one page instead of inlining it in each props; NonNullable (a no-op: the
// section always has a value) because an interface cannot extend an indexed access type directly.
export interface ArgoCdSettings extends NonNullable<PlatformModel['gitops']['argocd']> {}

/** Props of {@link PlatformApplication} and {@link FleetApplicationSet}. */
export interface ArgoCdProps {
  /** Names and labels of the platform instance; its namespace is where the Applications deploy. */
  readonly context: PlatformContext;
  /** Repository, revision, path, project, destination and sync policy. */
  readonly argocd: ArgoCdSettings;
  /** Name of the Application (platform), or of the ApplicationSet and prefix of its Applications (fleet). */
  readonly name: string;
}

/** An Application's destination: the configured cluster, the given namespace. */
function destinationOf(a: ArgoCdSettings, namespace: string): ApplicationSpec['destination'] {
  const d = a.destination;
  return { ...(d.name !== undefined ? { name: d.name } : { server: d.server ?? 'https://kubernetes.default.svc' }), namespace };
}

/**
 * `syncPolicy.retry`: a failed sync is tried again on the same commit, with
 * a growing wait (e.g. while cert-manager's webhook is not ready yet on a
 * first install), instead of staying failed until the next commit.
 */
function retryOf(a: ArgoCdSettings): ApplicationSpecSyncPolicyRetry {
  const { limit, backoff } = a.retry;
  return { limit, backoff: { duration: backoff.duration, factor: backoff.factor, maxDuration: backoff.maxDuration } };
}

/** `spec` parts both kinds of Application share: project, destination, sync policy. */
function applicationSpec(namespace: string, a: ArgoCdSettings, path: string, syncOptions: string[]): ApplicationSpec & { source: { repoUrl: string } } {
  return {
    project: a.project,
    // Presence of repoURL is guaranteed by the config rules.
    source: { repoUrl: a.repoURL!, targetRevision: a.targetRevision, path, directory: { recurse: false } },
    destination: destinationOf(a, namespace),
    syncPolicy: {
      ...(a.automated ? { automated: { prune: a.prune, selfHeal: a.selfHeal } } : {}),
      syncOptions: ['CreateNamespace=false', 'PrunePropagationPolicy=foreground', ...syncOptions],
      retry: retryOf(a),
    },
  };
}

/** The platform's Application: the top-level files of the output folder. */
export class PlatformApplication extends Construct {
  constructor(scope: Construct, id: string, props: ArgoCdProps) {
    super(scope, id);
    const { context, argocd: a } = props;
    new Application(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: a.namespace,
        labels: labels(context, COMPONENT.setup),
        // Deleting the Application deletes what it deployed, except the Namespace (Delete=false), so the
        // untracked database PVC and generated Secrets in it survive.
        finalizers: [RESOURCES_FINALIZER],
      },
      spec: applicationSpec(context.namespace, a, a.path, []),
    });
  }
}

/** The edge fleet's ApplicationSet: one Application per shard folder `<path>/edge/<shard>/`. */
export class FleetApplicationSet extends Construct {
  constructor(scope: Construct, id: string, props: ArgoCdProps) {
    super(scope, id);
    const { context, argocd: a, name: fleet } = props;
    const spec = applicationSpec(context.namespace, a, '{{.path.path}}', a.applyOutOfSyncOnly ? ['ApplyOutOfSyncOnly=true'] : []);
    new ApplicationSet(this, 'Resource', {
      metadata: { name: fleet, namespace: a.namespace, labels: labels(context, COMPONENT.taskManager) },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [{ git: { repoUrl: spec.source.repoUrl, revision: a.targetRevision, directories: [{ path: edgeShardsGlob(a.path) }] } }],
        template: {
          metadata: {
            name: `${fleet}-{{.path.basename}}`,
            labels: labels(context, COMPONENT.taskManager),
            // With a Git webhook, only commits that touch this shard's folder refresh it.
            annotations: { 'argocd.argoproj.io/manifest-generate-paths': '.' },
            // A shard whose folder is gone (its last node removed) takes its objects with it; they hold no state.
            finalizers: [RESOURCES_FINALIZER],
          },
          spec,
        },
      },
    });
  }
}

/** Props of {@link RemoteSiteApplication}. */
export interface RemoteSiteApplicationProps extends ArgoCdProps {
  /** The site's folder in the repository, under `gitops.argocd.path` (`sites/<site>`). */
  readonly folder: string;
  /** The site's cluster as registered in Argo CD: its API server URL or its name. */
  readonly cluster: { readonly server?: string; readonly name?: string };
  /** The site's namespace in that cluster. */
  readonly namespace: string;
}

/**
 * A remote site's Application: its folder, synced to its own cluster (one
 * Argo CD manages many clusters), with the platform's sync policy and
 * retries. Deleting it deletes what it deployed except the site's Namespace
 * (Delete=false), which keeps the database's volume and the copied Secrets.
 */
export class RemoteSiteApplication extends Construct {
  constructor(scope: Construct, id: string, props: RemoteSiteApplicationProps) {
    super(scope, id);
    const { context, argocd: a } = props;
    const base = a.path.replace(/^\.?\/+|\/+$/g, '');
    const spec = applicationSpec(props.namespace, a, base === '' || base === '.' ? props.folder : `${base}/${props.folder}`, []);
    const cluster = props.cluster.name !== undefined ? { name: props.cluster.name } : { server: props.cluster.server! };
    new Application(this, 'Resource', {
      metadata: { name: props.name, namespace: a.namespace, labels: labels(context, COMPONENT.taskManager), finalizers: [RESOURCES_FINALIZER] },
      spec: { ...spec, destination: { ...cluster, namespace: props.namespace } },
    });
  }
}

/** cert-manager's images (chart values key to repository, tagged with the chart version, v1.14 and later): what its Application pulls. */
const CERT_MANAGER_IMAGES = {
  image: 'quay.io/jetstack/cert-manager-controller',
  webhook: 'quay.io/jetstack/cert-manager-webhook',
  cainjector: 'quay.io/jetstack/cert-manager-cainjector',
  acmesolver: 'quay.io/jetstack/cert-manager-acmesolver',
  startupapicheck: 'quay.io/jetstack/cert-manager-startupapicheck',
} as const;

/** A chart's image value (repository and tag), under the mirror when one is set. */
function chartImage(repository: string, tag: string, mirror: string | undefined): { repository: string; tag: string } {
  return { repository: mirror === undefined ? repository : mirrorImage(repository, mirror), tag };
}

/** The chart values that name cert-manager's images, each under the mirror when one is set. */
function certManagerImageValues(chartVersion: string, mirror: string | undefined) {
  const ref = (repository: string) => chartImage(repository, chartVersion, mirror);
  const { image, ...components } = CERT_MANAGER_IMAGES;
  return { image: ref(image), ...Object.fromEntries(Object.entries(components).map(([key, repository]) => [key, { image: ref(repository) }])) };
}

/** What the cert-manager Application needs besides the Argo CD settings. */
export interface CertManagerApplicationProps extends ArgoCdProps {
  /**
   * `images.mirror`: cert-manager's images are pulled from it.
   * @default none: quay.io
   */
  readonly mirror?: string;
}

/**
 * cert-manager from its Helm chart, pinned, for clusters that do not run it
 * yet (`gitops.argocd.certManager`), from the configured chart repository.
 * Its CRDs are kept when the chart is removed (`crds.keep`), so Certificates
 * and their Secrets survive. Its images are named in the values, so the
 * output lists them and a mirror rewrites them.
 */
export class CertManagerApplication extends Construct {
  constructor(scope: Construct, id: string, props: CertManagerApplicationProps) {
    super(scope, id);
    const cm = props.argocd.certManager;
    chartApplication(this, props, cm.namespace, {
      repoUrl: cm.chartRepository,
      chart: 'cert-manager',
      targetRevision: cm.chartVersion,
      helm: { valuesObject: { crds: { enabled: true, keep: true }, ...certManagerImageValues(cm.chartVersion, props.mirror) } },
    });
  }
}

/** An Application that installs a third-party chart (`source`) into `namespace` (see {@link chartSyncPolicy}). */
function chartApplication(scope: Construct, props: ArgoCdProps, namespace: string, source: ApplicationSpecSource): void {
  const { context, argocd: a } = props;
  new Application(scope, 'Resource', {
    metadata: { name: props.name, namespace: a.namespace, labels: labels(context, COMPONENT.setup) },
    spec: { project: a.project, source, destination: destinationOf(a, namespace), syncPolicy: chartSyncPolicy(a) },
  });
}

/**
 * `syncPolicy` of an Application that installs a third-party chart into a
 * namespace of its own: created by Argo CD, applied server-side (the charts'
 * CRDs are too large for client-side apply's last-applied annotation).
 */
function chartSyncPolicy(a: ArgoCdSettings): ApplicationSpecSyncPolicy {
  return {
    ...(a.automated ? { automated: { prune: a.prune, selfHeal: a.selfHeal } } : {}),
    syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
    retry: retryOf(a),
  };
}

/** The cloudcore chart's folder in KubeEdge's repository (`gitops.argocd.cloudCore.repoURL`), at every release tag from v1.11.0 on. */
const CLOUDCORE_CHART_PATH = 'manifests/charts/cloudcore';

/** Helm release name `keadm init` gives CloudCore; the same here, so the objects are named as KubeEdge's docs expect. */
const CLOUDCORE_RELEASE = 'cloudcore';

/** CloudCore's images (chart values key to repository, tagged with the release): what its Application pulls. */
const CLOUDCORE_IMAGES = {
  cloudCore: 'docker.io/kubeedge/cloudcore',
  iptablesManager: 'docker.io/kubeedge/iptables-manager',
  controllerManager: 'docker.io/kubeedge/controller-manager',
};

/** Props of {@link CloudCoreApplication}. */
export interface CloudCoreProps extends ArgoCdProps {
  /** The KubeEdge release (Git tag) to install, e.g. `v1.17.0`. */
  readonly version: string;
  /** The IP address edge nodes reach CloudCore at (`cloudHub.advertiseAddress`). */
  readonly advertiseAddress: string;
  /**
   * `images.mirror`: CloudCore's images are pulled from it.
   * @default none: from Docker Hub
   */
  readonly mirror?: string;
}

/**
 * KubeEdge's CloudCore from KubeEdge's own Helm chart at a release tag
 * (`gitops.argocd.cloudCore`): what `keadm init --advertise-address` installs,
 * with the values keadm sets (the advertise address, every image at the
 * release's tag: the chart's own defaults lag behind its tag).
 */
export class CloudCoreApplication extends Construct {
  constructor(scope: Construct, id: string, props: CloudCoreProps) {
    super(scope, id);
    const { argocd: a, version } = props;
    // Every image named, at the release's tag, and under the mirror when one is set.
    const image = (key: keyof typeof CLOUDCORE_IMAGES) => ({ image: chartImage(CLOUDCORE_IMAGES[key], version, props.mirror) });
    chartApplication(this, props, a.cloudCore.namespace, {
      repoUrl: a.cloudCore.repoURL,
      path: CLOUDCORE_CHART_PATH,
      targetRevision: version,
      helm: {
        releaseName: CLOUDCORE_RELEASE,
        valuesObject: {
          cloudCore: { ...image('cloudCore'), modules: { cloudHub: { advertiseAddress: [props.advertiseAddress] } } },
          iptablesManager: image('iptablesManager'),
          controllerManager: image('controllerManager'),
        },
      },
    });
  }
}
