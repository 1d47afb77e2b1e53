/**
 * Remote (cross-silo) sites: a client site in another organization's
 * Kubernetes cluster, as the platform's guide runs it (docs/cluster_deploy.md,
 * `gen_yamls.py --type client`): a cluster-mode task manager with its
 * executors, its own database and its own site folders, registering with the
 * server's client selector through the proxy's external address.
 *
 * Each site gets one self-contained folder, `sites/<site>/site.k8s.yaml`,
 * holding everything its cluster needs (Namespace, RBAC, the task manager,
 * its ConfigMaps, its database or the wiring to one, its NetworkPolicies) and
 * nothing of the server's secrets: its certificate is issued in the server's
 * cluster (one Certificate per site, in 25-remote-sites.k8s.yaml) and the
 * operator copies that one Secret, never the CA key, into the site's
 * namespace (docs/cross-silo.md).
 */
import { Construct } from 'constructs';
import { splitHostPort } from '../config/addresses';
import { k8s } from 'cdk8s-plus-28';
import { NodeReaderRole, roleNames, TASK_MANAGER_RULES, WORKLOAD_NAMESPACE } from '../blocks/api-access';
import { certificateOf } from '../blocks/certificates';
import { DatabaseConnection } from '../blocks/database-client';
import { defineComponent } from '../blocks/define';
import { syncWave } from '../blocks/setup-job';
import { OUTPUT_FILES, OutputFile } from '../file-chart';
import { COMPONENT, labels, resourceName, selectorLabels } from '../labels';
import { ANYWHERE, apiServerFlow, databaseFlow, DNS_PORTS, Flow, platformPeer, tcp, TASK_MANAGER_PORT_NAME, WORKLOADS } from '../network/flows';
import { NetworkPolicies } from '../network/policies';
import type { PlatformModel } from '../resolve/model';
import type { RemoteSite } from '../resolve/remote-sites';
import { SITES_DIR } from '../resolve/remote-sites';
import { namespace } from './cluster';
import { Database } from './database';
import { Secrets } from './secrets';
import { TaskManager } from './task-manager';
import { RemoteSiteApplication } from '../gitops/argocd';

/** The file of a remote site's objects, relative to the output folder: `sites/<site>/site.k8s.yaml`. */
export function remoteSiteFile(site: string): string {
  return `${SITES_DIR}/${site}/site.k8s.yaml`;
}

/** The file of the remote sites' Argo CD Applications, relative to the output folder. */
export const REMOTE_SITES_ARGOCD_FILE = OUTPUT_FILES.argocdRemoteSites;

/** Sync wave of a site's task manager objects: after its Namespace, policies, Secrets and database. */
const SITE_WAVE = 0;

/** Props of {@link RemoteSiteFolder}. */
export interface RemoteSiteFolderProps {
  /** The resolved site: its own context (instance `<name>-site-<site>`, the site's namespace), settings, database, TLS. */
  readonly site: RemoteSite;
  /** The proxy's gRPC address as the site reaches it (`proxy.externalAddress`). */
  readonly proxyAddress: string;
  /** Images of the database and its set-up. */
  readonly images: Pick<PlatformModel['images'], 'postgres' | 'mongo'>;
  /**
   * The site's NetworkPolicies: the cluster DNS pods and the API server's ports, as the server's.
   * @default none: no NetworkPolicies
   */
  readonly networkPolicies?: Pick<PlatformModel['networkPolicies'], 'dns' | 'apiServerPorts'>;
}

/** Everything one remote site's cluster needs, in the site's own file. */
export class RemoteSiteFolder extends Construct {
  /** The site's task manager. */
  public readonly taskManager: TaskManager;

  constructor(scope: Construct, id: string, props: RemoteSiteFolderProps) {
    super(scope, id);
    const { site, proxyAddress } = props;
    const { context, settings } = site;
    namespace(this, context);
    // The Roles the task manager's identity is bound to: executors in `default`, and reading Nodes.
    new k8s.KubeRole(this, 'ExecutorRole', {
      metadata: { name: roleNames(context).taskManager, namespace: WORKLOAD_NAMESPACE, labels: labels(context, COMPONENT.taskManager) },
      rules: TASK_MANAGER_RULES,
    });
    new NodeReaderRole(this, 'NodeReaderRole', { context });

    const db = this.database(site, props.images);
    const name = resourceName(context, 'task-manager');
    this.taskManager = new TaskManager(this, 'TaskManager', {
      context,
      name,
      site: site.name,
      settings,
      server: proxyAddress,
      db,
      waitFor: [...(db.waitAddress ? [{ what: 'database', address: db.waitAddress }] : []), { what: 'proxy', address: proxyAddress }],
      variant: { kind: 'cluster' },
      externalAddress: site.externalAddress,
      // The Secret is copied here from the server's cluster: no Certificate in this folder.
      tls: site.tls && { secretName: site.tls.secretName, commonName: site.tls.commonName, tunnel: site.tls.tunnel },
    });
    const lb = site.expose.type === 'LoadBalancer' ? site.expose : undefined;
    new k8s.KubeService(this, 'ExternalService', {
      metadata: {
        name: `${name}-external`,
        namespace: context.namespace,
        labels: labels(context, COMPONENT.taskManager, site.name),
        annotations: { ...syncWave(SITE_WAVE), ...site.expose.annotations },
      },
      spec: {
        type: site.expose.type,
        selector: selectorLabels(context, COMPONENT.taskManager, site.name),
        ports: [
          {
            name: TASK_MANAGER_PORT_NAME,
            port: lb ? site.expose.port : settings.port,
            targetPort: k8s.IntOrString.fromString(TASK_MANAGER_PORT_NAME),
            protocol: 'TCP',
            ...(lb ? {} : { nodePort: site.expose.port }),
          },
        ],
        // Local keeps the coordinators' addresses, so the load balancer's source ranges hold at the pod too.
        ...(lb?.sourceRanges ? { loadBalancerSourceRanges: [...lb.sourceRanges], externalTrafficPolicy: 'Local' } : {}),
      },
    });
    if (props.networkPolicies) {
      new NetworkPolicies(this, 'NetworkPolicies', {
        context,
        dns: props.networkPolicies.dns,
        isolation: { wholeNamespace: true },
        flows: remoteSiteFlows(site, proxyAddress, props.networkPolicies.apiServerPorts),
      });
    }
  }

  /**
   * The site's database: the embedded PostgreSQL with credentials generated in
   * the site's cluster (serving TLS with the site's copied certificate, whose
   * names include its Service's), or the site's own database by reference.
   */
  private database(site: RemoteSite, images: RemoteSiteFolderProps['images']): DatabaseConnection {
    const { context, database: d } = site;
    const common = { context, databaseName: d.name, postgresImage: images.postgres, mongoImage: images.mongo };
    if (d.type !== 'embedded') return new Database(this, 'Database', { ...common, external: { type: d.type, address: d.address, credentials: d.credentials } }).connection;
    // A site has no route token and no object storage: only the database's Secrets are generated (the token reference is never rendered).
    const secrets = new Secrets(this, 'Secrets', {
      context,
      routeToken: { name: resourceName(context, 'database'), key: 'username' },
      database: { embedded: true },
      objectStorage: { embedded: false },
    });
    const tls = site.tls;
    return new Database(this, 'Database', {
      ...common,
      embedded: {
        storageSize: d.storageSize,
        storageClassName: d.storageClassName,
        resources: d.resources,
        superuser: secrets.databaseSuperuser,
        users: secrets.databaseUsers,
        // The copied Secret serves the database (its names include the database's Service) and logs the set-up Job in.
        tls: tls && { secretName: tls.secretName, allowPlaintext: false, setupSecret: tls.secretName },
      },
    }).connection;
  }
}

/** A remote site's flows, in its own namespace: what its NetworkPolicies allow. */
export function remoteSiteFlows(site: RemoteSite, proxyAddress: string, apiServerPorts: readonly number[]): Flow[] {
  const tm = platformPeer(COMPONENT.taskManager);
  const setup = platformPeer(COMPONENT.setup);
  const db = site.database.type === 'embedded' ? { port: Database.PORT, address: '' } : { address: site.database.address };
  const proxyPort = Number(splitHostPort(proxyAddress)[1]);
  return [
    { from: platformPeer(), to: { kind: 'dns' }, ports: DNS_PORTS },
    // Registration and results go to the server's proxy, at its external address (outside this cluster).
    { from: tm, to: ANYWHERE, ports: tcp(proxyPort) },
    // The site cluster's API server, on the ports `networkPolicies.apiServerPorts` names (as the server's).
    apiServerFlow(tm, apiServerPorts),
    databaseFlow(tm, db),
    // The set-up Jobs: the database's creates the tables; every one calls the Kubernetes API.
    databaseFlow(setup, db),
    apiServerFlow(setup, apiServerPorts),
    // The server's coordinators dial it through its external Service: from outside the cluster, no pod a policy can name.
    { from: ANYWHERE, to: tm, ports: tcp(TASK_MANAGER_PORT_NAME) },
    // It calls its executors in `default`.
    { from: tm, to: WORKLOADS, ports: tcp(site.settings.workerPort) },
  ];
}

/** What the server's side builds for the remote sites. */
export interface RemoteSitesBuilt {
  /** The sites' folders. */
  readonly folders: readonly RemoteSiteFolder[];
}

/**
 * The remote sites in the registry: each site's folder, the server's
 * Certificate for each site (issued by the platform's issuer, in the server's
 * namespace), and with Argo CD one Application per site aimed at its cluster.
 */
export const remoteSitesComponent = defineComponent({
  name: 'remote-sites',
  file: OUTPUT_FILES.remoteSites,
  build: (scope, { model, chart }): RemoteSitesBuilt | undefined => {
    const { context, remoteSites } = model;
    if (remoteSites.sites.length === 0) return undefined;
    const policies = model.networkPolicies.enabled ? model.networkPolicies : undefined;
    const folders = remoteSites.sites.map((site) => {
      if (site.tls) {
        // In the server's cluster: the platform's issuer signs it there, so the CA key never leaves that cluster.
        certificateOf(new Construct(scope, site.name), context, site.tls, { component: 'task-manager', site: site.name, hosts: site.tls.hosts, commonName: site.tls.commonName });
      }
      const file = new OutputFile(scope, `Site-${site.name}`, remoteSiteFile(site.name));
      // Presence of the proxy's external address is guaranteed by the rules.
      return new RemoteSiteFolder(file, 'Site', { site, proxyAddress: remoteSites.proxyAddress!, images: model.images, networkPolicies: policies });
    });
    const argocd = model.gitops.argocd;
    if (argocd.enabled) {
      const apps = chart(REMOTE_SITES_ARGOCD_FILE);
      for (const site of remoteSites.sites) {
        // Presence of the destination is guaranteed by the rules.
        new RemoteSiteApplication(apps, site.name, {
          context,
          argocd,
          name: model.argoCdNames.remoteSite(site.name),
          folder: `${SITES_DIR}/${site.name}`,
          cluster: site.destination!,
          namespace: site.context.namespace,
        });
      }
    }
    return { folders };
  },
  // In the server's cluster: coordinators dial each site's external address (the proxy's gRPC port is open from anywhere already).
  flows: (_, { model }) => [{ from: WORKLOADS, to: ANYWHERE, ports: tcp(...[...new Set(model.remoteSites.sites.map((s) => s.expose.port))].sort((a, b) => a - b)) }],
});
