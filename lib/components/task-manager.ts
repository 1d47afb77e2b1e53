/**
 * A task manager (FL client) site. One construct, two variants: the cloud
 * task manager (cluster mode, a Service, executors on labelled cloud nodes)
 * and the edge task manager (pinned to one KubeEdge node, reached at the
 * node's address and host port, executors on that node).
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { METASERVER_PORT, TASK_MANAGER_DEFAULTS } from '../config/defaults';
import type { PlatformContext } from '../resolve/context';
import { COMPONENT, labels, resourceName } from '../labels';
import type { TaskManagerSettings } from '../resolve/site';
import { DIR_NAMES, TASK_MANAGER_CONFIG_DIR, TASK_MANAGER_FIXED_MOUNTS } from '../resolve/site-dirs';
import { DATASETS_FILE, renderTaskManagerSetup, TASK_MANAGER_SETUP_FILE } from '../render/task-manager-setup';
import { apiProxySidecar, ApiProxySidecar, ProgramIdentity, roleNames, ServiceAccountToken } from '../blocks/api-access';
import { certificateOf, ProgramTls } from '../blocks/certificates';
import { clientSelectorComponent } from './client-selector';
import { databaseClientFiles, databaseEnv, DatabaseConnection } from '../blocks/database-client';
import { defineComponent } from '../blocks/define';
import { proxyComponent } from './proxy';
import { sslFolder } from '../blocks/tls';
import { TlsTunnel, tlsTunnel, TUNNEL_CONF_FILE } from '../blocks/tls-tunnel';
import { pullSecretsEnv } from './pull-secrets';
import { emptyDirVolume, env, hostPathVolume, imageOf, initContainer, MountedVolume, podVolumes, resources, securityContext, tcpProbes, waitForTcp, waitForTcpAll } from '../blocks/pod';
import { checkPort, ProgramService, singletonDeployment } from '../blocks/workload';
import { apiServerFlow, databaseFlow, platformPeer, tcp, WORKLOADS } from '../network/flows';
import { databaseComponent, databaseEndpoint } from './database';

/** How an edge task manager reaches the Kubernetes API. */
export type EdgeApiAccess =
  /** The node's MetaServer on 127.0.0.1:10550 (plain HTTP, needs hostNetwork). */
  | { readonly mode: 'metaserver' }
  /** A kubectl proxy sidecar with the edge fleet's ServiceAccount; `server` overrides the in-cluster address. */
  | { readonly mode: 'sidecar'; readonly server?: string };

/** An edge task manager's API access: in sidecar mode, as the edge fleet's one ServiceAccount. */
export type EdgeApiIdentity =
  /** The node's MetaServer (no ServiceAccount). */
  | { readonly mode: 'metaserver' }
  /** A kubectl proxy sidecar, authenticated as `serviceAccountName` with a token Secret of the node's own. */
  | { readonly mode: 'sidecar'; readonly server?: string; readonly serviceAccountName: string };

/** Where and how the task manager runs. */
export type TaskManagerVariant =
  /** Cluster mode in the cloud: a Service gives coordinators its address. */
  | { readonly kind: 'cluster' }
  /** Edge mode on one KubeEdge node. */
  | {
      readonly kind: 'edge';
      /** kubernetes.io/hostname of the node. */
      readonly nodeName: string;
      /** Node address reachable from cloud pods. */
      readonly nodeAddress: string;
      /** Extra tolerations. */
      readonly tolerations: readonly k8s.Toleration[];
      /** API access. */
      readonly api: EdgeApiIdentity;
      /** EdgeMesh serves cluster DNS on the node; without it the pod uses the node's resolver. */
      readonly clusterDns: boolean;
    };

/** A task manager's TLS: its certificate, and the tunnel that carries its calls to the proxy. */
export interface TaskManagerTls extends ProgramTls {
  /**
   * The common name (the whole subject) of its certificate, its database
   * role's name: the proxy admits only task managers' subjects, and the
   * embedded database logs the role in only with this certificate.
   */
  readonly commonName: string;
  /** The TLS tunnel beside the program (its `server`). */
  readonly tunnel: {
    /** Loopback port of the tunnel. */
    readonly port: number;
    /** DNS name in the proxy's certificate that the tunnel checks. */
    readonly proxyName: string;
  };
}

/** Props of {@link TaskManager}. */
export interface TaskManagerProps {
  /** Names, labels, namespace and images of the platform instance. */
  readonly context: PlatformContext;
  /** Resource name of the site's objects. */
  readonly name: string;
  /** Site label value (`cloud` or the edge node name). */
  readonly site: string;
  /** Resolved settings. */
  readonly settings: TaskManagerSettings;
  /** The proxy's gRPC address reachable from the site (`server`, or the tunnel's peer with TLS). */
  readonly server: string;
  /** The database as reachable from the site. */
  readonly db: DatabaseConnection;
  /** Services to wait for before the program starts (it registers once, with no retry). */
  readonly waitFor: readonly { readonly what: string; readonly address: string }[];
  /** The variant. */
  readonly variant: TaskManagerVariant;
  /**
   * Its certificate (its `ssl` folder, for mutual TLS with coordinators) and its tunnel to the proxy.
   * @default none: plaintext gRPC
   */
  readonly tls?: TaskManagerTls;
  /**
   * Where coordinators reach it (`external_address`) when not at its own Service: a remote site's external Service.
   * @default the Service's address (cluster variant), the node's address and port (edge variant)
   */
  readonly externalAddress?: string;
  /**
   * A ConfigMap, shared with other sites, that holds the tunnel's nginx.conf (key {@link TUNNEL_CONF_FILE}); the
   * caller creates it from {@link TaskManager.tunnelConf}, which must be the same text for every site that shares it.
   * @default the site's own ConfigMap holds it
   */
  readonly sharedTunnelConfigMap?: string;
  /**
   * A ConfigMap, shared with other sites, of environment variables the program reads ({@link SharedEnv}): the
   * container takes it with `envFrom` and leaves out of its `env` every variable it gives with the same value.
   * @default every variable is in the container's own `env`
   */
  readonly sharedEnv?: SharedEnv;
  /**
   * Labels and keys the site's ConfigMap carries for another reader (the edge fleet's node labeler) beside the
   * program's files; the pod mounts only the program's files, so its config folder shows nothing else.
   * @default none
   */
  readonly configMapExtras?: ConfigMapExtras;
}

/** What {@link TaskManagerProps.configMapExtras} adds to the site's ConfigMap. */
export interface ConfigMapExtras {
  /** Labels, over the site's own. */
  readonly labels: Readonly<Record<string, string>>;
  /** Keys beside the program's files. */
  readonly data: Readonly<Record<string, string>>;
}

/**
 * Environment variables many sites share, in one ConfigMap that each site's program container takes with `envFrom`.
 * A container's `env` wins over its `envFrom`, so a site whose value differs keeps its own in `env`.
 */
export interface SharedEnv {
  /** Name of the ConfigMap (its data is {@link SharedEnv.values}). */
  readonly configMap: string;
  /** The variables, by name: plain values, no `$(VAR)` references (`envFrom` does not expand them). */
  readonly values: Readonly<Record<string, string>>;
}

/**
 * Which of a site's variables {@link SharedEnv} may give: those that come from fleet-wide settings and defaults (the
 * API's and the database's address and protocol, the platform's constants), never a site's own label or image.
 */
const FLEET_ENV: readonly string[] = [
  'PLATFORM', 'WORKER_PORT', 'CLUSTER_LABEL_KEY', 'K8S_IMAGE_PULL_SECRETS', 'K8S_ADDRESS', 'K8S_API_PROTOCOL',
  'DB_TYPE', 'DB_ADDRESS', 'DB_NAME', 'DB_COLLECTION_NAME', 'PGSSLMODE', 'PGSSLROOTCERT', 'PGHOSTADDR', 'PGSSLCERT', 'PGSSLKEY',
];

/** The {@link FLEET_ENV} variables of `vars` with plain values, for a {@link SharedEnv} (the last entry of a name wins, as in Kubernetes). */
export function fleetEnvValues(vars: readonly k8s.EnvVar[]): Record<string, string> {
  const last = new Map(vars.map((v) => [v.name, v]));
  const values: Record<string, string> = {};
  for (const name of FLEET_ENV) {
    const v = last.get(name);
    if (v !== undefined && v.valueFrom === undefined && v.value !== undefined && !v.value.includes('$')) values[name] = v.value;
  }
  return values;
}

/**
 * `vars` without what `shared` gives, or undefined when the container cannot take `shared` unchanged: when it lacks
 * one of its variables (`envFrom` would add it). A variable of `shared` leaves `vars` only where its value there (the
 * last entry of its name) is the same; a different value stays, and wins.
 */
function withoutShared(vars: readonly k8s.EnvVar[], shared: Readonly<Record<string, string>>): k8s.EnvVar[] | undefined {
  const last = new Map(vars.map((v) => [v.name, v]));
  if (Object.keys(shared).some((name) => !last.has(name))) return undefined;
  const same = (name: string): boolean => {
    const v = last.get(name)!;
    return v.valueFrom === undefined && v.value === shared[name];
  };
  return vars.filter((v) => !(Object.hasOwn(shared, v.name) && same(v.name)));
}

/** The pod's volume of a shared ConfigMap that holds the tunnel's nginx.conf ({@link TaskManagerProps.sharedTunnelConfigMap}). */
const TUNNEL_CONF_VOLUME = 'tls-tunnel-conf';

/**
 * One init container that prepares the site's folders, then waits for each service in turn (with
 * {@link waitForTcp}'s messages): as root, to write into the host path, with a read-only root filesystem.
 */
function prepareAndWait(context: PlatformContext, prepareScript: string, mounts: k8s.VolumeMount[], waitFor: TaskManagerProps['waitFor']): k8s.Container {
  const script = ['set -e', prepareScript, ...waitForTcpAll(waitFor)].join('; ');
  return { ...initContainer(context, 'prepare-site', script, mounts, true), securityContext: securityContext({ root: true, readOnlyRoot: true }) };
}

/** Whether `path` is `folder` or inside it. */
function isInside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}

/**
 * The site folders' volumes, at their host paths (the executors mount the paths the task manager sees, so host path
 * == mount path), and the shell commands that prepare them: their root once when they are all at their default names
 * under it ({@link TaskManagerSettings.dirsRoot}; the init container creates them), else each folder.
 */
function siteFolders(s: TaskManagerSettings): { volumes: MountedVolume[]; prepare: string[] } {
  const keys = ['lmdb', 'workspace', 'datasets', 'taskConfigs'] as const;
  if (s.dirsRoot === undefined) return { volumes: keys.map((key) => hostPathVolume(key.toLowerCase(), s.dirs[key], 'DirectoryOrCreate')), prepare: [] };
  // At their default names under the root: created there.
  return { volumes: [hostPathVolume('site-dirs', s.dirsRoot, 'DirectoryOrCreate')], prepare: [`cd ${s.dirsRoot}`, `mkdir -p ${keys.map((key) => DIR_NAMES[key]).join(' ')}`] };
}

/** The port MetaServer serves the API on, on the edge node's loopback. */
const METASERVER_ADDRESS = `127.0.0.1:${METASERVER_PORT}`;

/** Tolerations that keep an edge pod on its node while the node is offline (no eviction). */
const OFFLINE_TOLERATIONS: k8s.Toleration[] = [
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
];

/** The edge variant of {@link TaskManagerVariant}. */
type EdgeVariant = Extract<TaskManagerVariant, { kind: 'edge' }>;

/** How a task manager pod reaches the Kubernetes API: its sidecar (if any), the program's variables and the pod's settings. */
interface ApiAccess {
  /** The kubectl proxy sidecar; none on the MetaServer. */
  readonly sidecar?: ApiProxySidecar;
  /** `K8S_ADDRESS` and `K8S_API_PROTOCOL` of the program. */
  readonly env: k8s.EnvVar[];
  /** The pod's ServiceAccount, token mounting, host network and DNS policy. */
  readonly pod: Pick<k8s.PodSpec, 'serviceAccountName' | 'automountServiceAccountToken' | 'hostNetwork' | 'dnsPolicy'>;
}

/** A task manager site: its start-up file, Deployment, identity and (cloud) Service. */
export class TaskManager extends Construct {
  /** Where coordinators reach it (`external_address`). */
  public readonly externalAddress: string;
  /** The rendered task_manager_setup.json. */
  public readonly setupJson: string;
  /** The TLS tunnel's nginx.conf (none without TLS). */
  public readonly tunnelConf?: string;
  /** Every environment variable of the program, before {@link TaskManagerProps.sharedEnv} takes its share. */
  public readonly programEnv: readonly k8s.EnvVar[];

  constructor(scope: Construct, id: string, props: TaskManagerProps) {
    super(scope, id);
    const { context, name, site, settings: s, variant } = props;
    const edge = variant.kind === 'edge' ? variant : undefined;
    checkPort(this, 'props.settings.port', s.port);
    checkPort(this, 'props.settings.workerPort', s.workerPort);

    const service = edge ? undefined : new ProgramService(this, 'Service', { context, name, component: COMPONENT.taskManager, site, ports: [{ name: 'grpc', port: s.port }] });
    this.externalAddress = props.externalAddress ?? (service ? service.address('grpc') : `${edge!.nodeAddress}:${s.port}`);
    if (props.tls) {
      const hosts = service ? service.hostNames : [edge!.nodeAddress];
      certificateOf(this, context, props.tls, { component: COMPONENT.taskManager, site, hosts, commonName: props.tls.commonName, restart: `deployment/${name}` });
    }

    const ssl = props.tls && sslFolder(props.tls.secretName);
    const shared = props.sharedTunnelConfigMap;
    const configVolume = shared === undefined ? 'config' : TUNNEL_CONF_VOLUME;
    const tunnel = props.tls && tlsTunnel(context, { listenPort: props.tls.tunnel.port, proxyAddress: props.server, proxyName: props.tls.tunnel.proxyName, ssl: ssl!.mount, configVolume });
    this.tunnelConf = tunnel?.conf;
    this.setupJson = renderTaskManagerSetup({
      // With TLS the program sends everything for the proxy through its tunnel.
      server: tunnel ? tunnel.address : props.server,
      externalAddress: this.externalAddress,
      port: s.port,
      dirs: s.dirs,
      runtime: s.runtime,
      storageQuota: s.storageQuota,
      registration: s.registration,
      logLevel: s.logLevel,
      label: s.label,
      maxTaskParallelism: s.maxTaskParallelism,
      ssl: ssl?.mount.mountPath,
    });
    const files = { [TASK_MANAGER_SETUP_FILE]: this.setupJson, ...(tunnel && shared === undefined ? { [TUNNEL_CONF_FILE]: tunnel.conf } : {}) };
    const extras = props.configMapExtras;
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name, namespace: context.namespace, labels: { ...labels(context, COMPONENT.taskManager, site), ...extras?.labels } },
      data: { ...files, ...extras?.data },
    });

    const api = this.apiAccess(props, edge);
    const dbUser = edge ? 'edgeTaskManager' : 'taskManager';
    this.programEnv = programEnv(props, [...api.env, ...databaseEnv(props.db, dbUser, ssl?.mount.mountPath)]);
    this.deployment(props, api, ssl, tunnel, extras && Object.keys(files));
  }

  /**
   * The Deployment: the program after its API sidecar and its TLS tunnel, once the site's folders are prepared and
   * the services it registers with answer; its site folders, config (only the keys `onlyFiles` when the ConfigMap holds
   * other keys too), scratch space, `ssl` folder and database files.
   */
  private deployment(props: TaskManagerProps, api: ApiAccess, ssl: MountedVolume | undefined, tunnel: TlsTunnel | undefined, onlyFiles: string[] | undefined): void {
    const { context, name, site, settings: s } = props;
    const edge = props.variant.kind === 'edge' ? props.variant : undefined;
    const dbUser = edge ? 'edgeTaskManager' : 'taskManager';
    const ownEnv = props.sharedEnv && withoutShared(this.programEnv, props.sharedEnv.values);
    const sharedEnv = ownEnv && props.sharedEnv;
    const { volumes: dirs, prepare } = siteFolders(s);
    const prepareScript = [...prepare, `f=${s.dirs.datasets}/${DATASETS_FILE}; [ -f "$f" ] || echo '{}' > "$f"`].join('; ');
    const datasetsMount = dirs.filter((d) => isInside(s.dirs.datasets, d.mount.mountPath)).map((d) => d.mount);
    // At the edge, one init container (every node's file carries it): prepare the site, then wait, in order.
    const initContainers = edge
      ? [prepareAndWait(context, prepareScript, datasetsMount, props.waitFor)]
      : [initContainer(context, 'prepare-site', prepareScript, datasetsMount, true), ...props.waitFor.map((w) => waitForTcp(context, w.what, w.address))];
    // The pod's volumes in their order, with the program's mounts: the sidecars' own volumes keep their places.
    const files = podVolumes([
      ...dirs,
      {
        volume: { name: 'config', configMap: { name, ...(onlyFiles ? { items: onlyFiles.map((key) => ({ key, path: key })) } : {}) } },
        mount: { name: 'config', mountPath: TASK_MANAGER_CONFIG_DIR },
      },
      emptyDirVolume('tmp', TASK_MANAGER_FIXED_MOUNTS[1]),
      ...(api.sidecar ? api.sidecar.volumes.map((volume) => ({ volume })) : []),
      ...(ssl ? [ssl] : []),
      ...(tunnel ? [{ volume: tunnel.volume }] : []),
      ...(tunnel && props.sharedTunnelConfigMap !== undefined ? [{ volume: { name: TUNNEL_CONF_VOLUME, configMap: { name: props.sharedTunnelConfigMap } } }] : []),
      ...databaseClientFiles(props.db, dbUser),
    ]);

    singletonDeployment(this, 'Deployment', {
      context,
      name,
      component: COMPONENT.taskManager,
      site,
      // The shared variables are a config file too: a change to them rolls the pods.
      configFiles: [this.setupJson, ...(tunnel ? [tunnel.conf] : []), ...(sharedEnv ? [JSON.stringify(sharedEnv.values)] : [])],
      mainContainer: COMPONENT.taskManager,
      cloudOnly: !edge,
      // In the cloud, run where the site folders are: on the nodes labelled for this site.
      nodeLabels: edge ? undefined : { [s.clusterLabelKey]: s.clusterLabelValue },
      pod: {
        ...api.pod,
        ...(edge
          ? {
              nodeSelector: { 'kubernetes.io/hostname': edge.nodeName },
              tolerations: [...OFFLINE_TOLERATIONS, ...edge.tolerations],
            }
          : {}),
        initContainers,
        containers: [
          ...(api.sidecar ? [api.sidecar.container] : []),
          ...(tunnel ? [tunnel.container] : []),
          programContainer(props, ownEnv ?? this.programEnv, sharedEnv?.configMap, files.volumeMounts),
        ],
        volumes: files.volumes,
      },
    });
  }

  /**
   * API access: a kubectl proxy sidecar with the cloud task manager's own identity, or on an edge node the
   * MetaServer on the node's loopback, or a sidecar as the edge fleet's one ServiceAccount (nothing cluster-scoped
   * per node), with a token Secret of the node's own: projected tokens expire on long-offline nodes.
   */
  private apiAccess(props: TaskManagerProps, edge: EdgeVariant | undefined): ApiAccess {
    const { context, name, site } = props;
    const metaserver = edge?.api.mode === 'metaserver';
    const identity = edge
      ? undefined
      : new ProgramIdentity(this, 'Identity', {
          context,
          name,
          component: COMPONENT.taskManager,
          site,
          role: roleNames(context).taskManager,
          clusterRole: roleNames(context).taskManagerNodes,
        });
    const edgeAccount = edge?.api.mode === 'sidecar' ? edge.api : undefined;
    const token =
      edgeAccount &&
      new ServiceAccountToken(this, 'Token', { context, name: `${name}-token`, serviceAccountName: edgeAccount.serviceAccountName, labels: labels(context, COMPONENT.taskManager, site) });
    const serviceAccountName = identity?.serviceAccountName ?? edgeAccount?.serviceAccountName;
    const sidecar = serviceAccountName !== undefined ? apiProxySidecar(context, edgeAccount?.server, token?.secretName) : undefined;
    return {
      ...(sidecar ? { sidecar } : {}),
      env: sidecar ? sidecar.env : env({ K8S_ADDRESS: METASERVER_ADDRESS, K8S_API_PROTOCOL: 'http' }),
      pod: {
        ...(serviceAccountName !== undefined ? { serviceAccountName, automountServiceAccountToken: token === undefined } : {}),
        ...(metaserver ? { hostNetwork: true } : {}),
        ...(edge ? { dnsPolicy: edge.clusterDns ? (metaserver ? 'ClusterFirstWithHostNet' : 'ClusterFirst') : 'Default' } : {}),
      },
    };
  }
}

/** The task manager program's settings as environment variables, then `access` (the API's and the database's), then the site's own `env`. */
function programEnv(props: TaskManagerProps, access: k8s.EnvVar[]): k8s.EnvVar[] {
  const { context, settings: s } = props;
  return [
    ...env({
      PLATFORM: 'k8s',
      CONTAINER_EXECUTOR_IMAGE: s.executorImage,
      WORKER_PORT: s.workerPort,
      CLUSTER_LABEL_KEY: s.clusterLabelKey,
      CLUSTER_LABEL_VALUE: s.clusterLabelValue,
      ...pullSecretsEnv(context),
    }),
    ...access,
    ...env(s.env),
  ];
}

/**
 * The task manager program's container: its start-up file, its gRPC port (a host port at the edge), its environment
 * (`vars`, after the shared ConfigMap `sharedEnv` when there is one), and its mounts.
 */
function programContainer(props: TaskManagerProps, vars: readonly k8s.EnvVar[], sharedEnv: string | undefined, volumeMounts: k8s.VolumeMount[]): k8s.Container {
  const { context, settings: s } = props;
  const edge = props.variant.kind === 'edge';
  return {
    name: COMPONENT.taskManager,
    ...imageOf(context, s.image),
    command: ['python3.7', '-m', 'neursafe_fl.python.client.app', '--config_file', `${TASK_MANAGER_CONFIG_DIR}/${TASK_MANAGER_SETUP_FILE}`],
    ports: [{ name: 'grpc', containerPort: s.port, protocol: 'TCP', ...(edge ? { hostPort: s.port } : {}) }],
    ...(sharedEnv === undefined ? {} : { envFrom: [{ configMapRef: { name: sharedEnv } }] }),
    env: [...vars],
    ...tcpProbes(s.port),
    resources: resources(
      s.resources,
      edge
        ? { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } }
        : { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '2', memory: '2Gi' } },
    ),
    securityContext: securityContext({ root: true }),
    volumeMounts,
  };
}

/** The cloud task manager in the registry: built when `taskManager.enabled` (edge nodes' are the edge fleet's). */
export const taskManagerComponent = defineComponent({
  name: COMPONENT.taskManager,
  image: TASK_MANAGER_DEFAULTS.image,
  configKey: 'taskManager',
  build: (scope, { model, built }) => {
    const { context, tls, cloudSite: settings } = model;
    if (!settings) return undefined;
    const db = built(databaseComponent).connection;
    const grpc = built(proxyComponent).service.address('grpc');
    return new TaskManager(scope, 'TaskManager', {
      context,
      name: resourceName(context, 'task-manager'),
      site: 'cloud',
      server: grpc,
      db,
      waitFor: [
        ...(db.waitAddress ? [{ what: 'database', address: db.waitAddress }] : []),
        { what: 'client-selector', address: built(clientSelectorComponent).service.address('grpc') },
        { what: 'proxy', address: grpc },
      ],
      variant: { kind: 'cluster' },
      settings,
      tls: tls && { secretName: tls.taskManagerSecret, issuance: tls.issuance, commonName: tls.taskManagerName, tunnel: { port: tls.tunnelPort, proxyName: tls.proxyHost } },
    });
  },
  flows: (_, { model, built }) => {
    // Presence is guaranteed: it is built only with a cloud site.
    const site = model.cloudSite!;
    const me = platformPeer(COMPONENT.taskManager, 'cloud');
    const proxyGrpc = tcp(built(proxyComponent).service.port('grpc'));
    return [
      databaseFlow(me, databaseEndpoint(built(databaseComponent))),
      apiServerFlow(me, model.networkPolicies.apiServerPorts),
      // Registration and results go to the proxy; it waits for the selector before it starts.
      { from: me, to: platformPeer(COMPONENT.proxy), ports: proxyGrpc },
      { from: me, to: platformPeer(COMPONENT.clientSelector), ports: tcp(built(clientSelectorComponent).service.port('grpc')) },
      // Coordinators dial it at its Service (external_address); it calls its executors.
      { from: WORKLOADS, to: me, ports: tcp(site.port) },
      { from: me, to: WORKLOADS, ports: tcp(site.workerPort) },
    ];
  },
});
