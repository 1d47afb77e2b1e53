/**
 * Composes the whole platform from a validated config: one chart per output
 * file, split along what a reviewer wants to see in a Git diff.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { NodeReaderRole, WorkloadRoles } from './blocks/api-access';
import { clientSelectorComponent } from './components/client-selector';
import { PlatformContext, platformContext } from './blocks/context';
import { Database } from './components/database';
import { DatabaseConnection, waitAddressOf } from './blocks/database-client';
import { buildComponents, ComponentDefinition } from './blocks/define';
import { jobSchedulerComponent } from './components/job-scheduler';
import { modelManagerComponent } from './components/model-manager';
import { objectStorageComponent } from './components/object-storage';
import { Proxy, proxyComponent } from './components/proxy';
import { Secrets } from './components/secrets';
import { syncWave } from './blocks/setup-job';
import { SharedRoot } from './blocks/shared-root';
import { Config } from './config/schema';
import { PodPullSecrets } from './components/pull-secrets';
import { EdgeFleet, EdgeTls } from './edge/fleet';
import { EdgeSite } from './resolve/fleet';
import { CertificateAuthority, CertificateReloader } from './blocks/certificates';
import { isIP } from 'node:net';
import { hostOf, splitHostPort } from './config/addresses';
import { resolveTls } from './resolve/tls';
import { ARGOCD_DIR, CertManagerApplication, CloudCoreApplication, FleetApplicationSet, KEEP_ON_DELETE, PlatformApplication } from './gitops/argocd';
import { APP_NAME, INSTANCE_LABEL } from './labels';
import { FileChart } from './file-chart';
import { REGISTRY } from './registry';
import { argoCdNames } from './resolve/names';
import { resolveCloudSite } from './resolve/site';
// network-policies: begin
import { Flow, platformFlows } from './network/flows';
import { gatewayDataPlane, namespaceIsolation } from './resolve/api-gateway';
import { NetworkPolicies } from './network/policies';
// network-policies: end

/**
 * Output files of the charts, in apply order. Edge nodes' files are
 * `edge/<shard>/<node>.k8s.yaml` (see edge/shards.ts).
 */
export const OUTPUT_FILES = {
  cluster: '00-cluster.k8s.yaml',
  database: '10-database.k8s.yaml',
  platform: '20-platform.k8s.yaml',
  edge: '30-edge.k8s.yaml',
  argocd: `${ARGOCD_DIR}/application.k8s.yaml`,
  argocdFleet: `${ARGOCD_DIR}/applicationset.k8s.yaml`,
  argocdCertManager: `${ARGOCD_DIR}/cert-manager.k8s.yaml`,
  argocdCloudCore: `${ARGOCD_DIR}/cloudcore.k8s.yaml`,
  networkPolicies: '05-network-policies.k8s.yaml',
} as const;

/** What other constructs (e.g. an edge site added by hand) connect to. */
export interface PlatformParts {
  /** Names, labels, namespace and images of the platform instance. */
  readonly context: PlatformContext;
  /** The database as cloud programs reach it. */
  readonly database: DatabaseConnection;
  /** The database as edge nodes reach it (`edge.databaseAddress` when set). */
  readonly edgeDatabase: DatabaseConnection;
  /** The proxy: task managers' gRPC entry. */
  readonly proxy: Proxy;
  /** host:port at which edge nodes reach the proxy's gRPC port, when known (`edge.proxyAddress`, else `proxy.externalAddress`). */
  readonly edgeProxyAddress?: string;
  /**
   * The edge nodes' certificates (see `edgeSiteWiring`).
   * @default none: TLS is off
   */
  readonly edgeTls?: EdgeTls;
  /** Every flow of the platform: what the NetworkPolicies allow (when on) and dist/README.md draws. */
  readonly flows: readonly Flow[];
}

/**
 * Builds every chart of the platform into `app`: the App (each chart a
 * top-level output file, as synth.ts expects), or any construct of another
 * cdk8s app (see lib/neursafe-platform.ts).
 * @param components the components to build, in order; the config must have been checked for them (`LoadedConfig.components`)
 */
export function buildPlatform(
  app: Construct,
  config: Config,
  edgeSites: readonly EdgeSite[],
  components: readonly ComponentDefinition[] = REGISTRY,
): PlatformParts {
  const cluster = new FileChart(app, 'cluster', OUTPUT_FILES.cluster);
  if (config.namespace !== 'default') {
    new k8s.KubeNamespace(cluster, 'Namespace', {
      metadata: {
        name: config.namespace,
        annotations: {
          // Before the set-up hooks' ServiceAccounts (waves -2 and later) that live in it.
          ...syncWave(-3),
          // It holds the state (the database PVC, the generated Secrets): never pruned, never deleted with
          // the Application.
          ...KEEP_ON_DELETE,
        },
        labels: {
          'app.kubernetes.io/part-of': APP_NAME,
          // So `kubectl apply -l` (the kubectl path's selector) applies it; pruning never lists Namespaces.
          [INSTANCE_LABEL]: config.name,
          'app.kubernetes.io/instance': config.name,
          'app.kubernetes.io/managed-by': 'cdk8s',
          // The platform mounts host paths (the shared root, task manager site folders).
          'pod-security.kubernetes.io/enforce': 'privileged',
        },
      },
    });
  }
  const context = platformContext(config);
  new NodeReaderRole(cluster, 'NodeReaderRole', { context });

  const platform = new FileChart(app, 'platform', OUTPUT_FILES.platform);
  const tls = resolveTls(config);
  const issuance = tls?.issuance;
  if (issuance) {
    new CertificateAuthority(platform, 'CertificateAuthority', { context, issuance });
    if (issuance.restartSchedule) new CertificateReloader(platform, 'CertificateReloader', { context, schedule: issuance.restartSchedule });
  }
  const secrets = new Secrets(platform, 'Secrets', {
    context,
    routeToken: config.routeToken,
    database: { embedded: config.database.type === 'embedded', superuserSecret: config.database.embedded.credentials?.name },
    objectStorage: { embedded: config.objectStorage.type === 'embedded', secret: config.objectStorage.credentials?.name },
  });

  const databaseChart = new FileChart(app, 'database', OUTPUT_FILES.database);
  const dbConfig = config.database;
  const database = new Database(databaseChart, 'Database', {
    context,
    databaseName: dbConfig.name,
    postgresImage: config.images.postgres,
    mongoImage: config.images.mongo,
    ...(dbConfig.type === 'embedded'
      ? {
          embedded: {
            ...dbConfig.embedded,
            superuser: secrets.databaseSuperuser,
            users: secrets.databaseUsers,
            tls: tls && {
              secretName: tls.databaseSecret,
              issuance,
              allowPlaintext: tls.plaintextDatabase,
              // The task managers present their program certificates; these roles get one for the database alone.
              clientSecrets: { jobScheduler: tls.databaseClientSecrets.jobScheduler, modelManager: tls.databaseClientSecrets.modelManager },
              setupSecret: tls.databaseClientSecrets.setup,
              // Edge nodes that reach it at an IP address verify it by the name tls.databaseHost (see edgeDatabase).
              externalHosts: config.edge.databaseAddress === undefined ? [] : [tls.databaseHost, hostOf(config.edge.databaseAddress)],
            },
          },
        }
      : // Presence is guaranteed by the config rules.
        { external: { ...dbConfig.external!, type: dbConfig.type } }),
  });
  const db = database.connection;

  const root = new SharedRoot(context, config.sharedRoot);
  if (context.images.pullSecrets.length > 0) new PodPullSecrets(platform, 'PodPullSecrets', { context });
  new WorkloadRoles(platform, 'WorkloadRoles', { context });
  const { built, flows } = buildComponents(platform, { config, context, secrets, database: db, root, tls }, components);
  const proxy = built(proxyComponent);
  const cloudSite = resolveCloudSite(config);

  const edgeDb = edgeDatabase(config, db, tls?.databaseHost);
  const edgeTls: EdgeTls | undefined = tls && { secretName: tls.edgeNodeSecret, issuance, commonName: tls.edgeNodeName, tunnel: { port: tls.tunnelPort, proxyName: tls.proxyHost } };
  const edgeProxyAddress = config.edge.proxyAddress ?? proxy.externalAddress;
  if (edgeSites.length > 0) {
    const edgeChart = new FileChart(app, 'edge', OUTPUT_FILES.edge);
    const apiAccess = config.edge.apiAccess;
    new EdgeFleet(edgeChart, 'Fleet', {
      context,
      apiAccess: apiAccess.mode === 'sidecar' ? { mode: 'sidecar', server: apiAccess.server } : { mode: 'metaserver' },
      clusterDns: config.edge.edgeMesh,
      shards: config.gitops.edgeShards,
      sites: edgeSites,
      db: edgeDb,
      // Presence is guaranteed by the edge rules.
      proxyAddress: edgeProxyAddress!,
      tls: edgeTls,
    });
    const embedded = config.database.type === 'embedded' ? config.database.embedded : undefined;
    if (database.serviceName && embedded?.edgeNodePort !== undefined) database.exposeForEdge({ type: 'NodePort', nodePort: embedded.edgeNodePort });
    if (database.serviceName && embedded?.edgeLoadBalancer !== undefined) database.exposeForEdge({ type: 'LoadBalancer', ...embedded.edgeLoadBalancer });
  }

  const edge = edgeSites.length > 0;
  const allFlows = [
    ...platformFlows({
      config,
      jobScheduler: built(jobSchedulerComponent).service,
      modelManager: built(modelManagerComponent).service,
      selector: built(clientSelectorComponent).service,
      proxy: proxy.service,
      objectStorage: built(objectStorageComponent)?.service,
      databasePort: database.serviceName === undefined ? undefined : Database.PORT,
      databaseAddress: db.address,
      cloudTaskManager: cloudSite,
      gatewayDataPlane: gatewayDataPlane(config),
      edgeSites,
      edgeProxyAddress: edge ? edgeProxyAddress : undefined,
      edgeDatabaseAddress: edge ? edgeDb.address : undefined,
    }),
    // The flows components declare themselves.
    ...flows,
  ];
  if (config.networkPolicies.enabled) {
    new NetworkPolicies(new FileChart(app, 'network-policies', OUTPUT_FILES.networkPolicies), 'NetworkPolicies', {
      context,
      defaultNamespace: config.networkPolicies.defaultNamespace,
      dns: config.networkPolicies.dns,
      isolation: namespaceIsolation(config),
      flows: allFlows,
    });
  }

  if (config.gitops.argocd.enabled) {
    const names = argoCdNames(config);
    const argocd = config.gitops.argocd;
    new PlatformApplication(new FileChart(app, 'argocd', OUTPUT_FILES.argocd), 'Application', { context, argocd, name: names.platform });
    new FleetApplicationSet(new FileChart(app, 'argocd-fleet', OUTPUT_FILES.argocdFleet), 'ApplicationSet', { context, argocd, name: names.fleet });
    if (argocd.certManager.enabled) {
      new CertManagerApplication(new FileChart(app, 'argocd-cert-manager', OUTPUT_FILES.argocdCertManager), 'Application', { context, argocd, name: names.certManager, mirror: config.images.mirror });
    }
    const cloudCore = argocd.cloudCore;
    // Presence of the version and the address is guaranteed by the gitops rules.
    if (cloudCore.enabled) {
      new CloudCoreApplication(new FileChart(app, 'argocd-cloudcore', OUTPUT_FILES.argocdCloudCore), 'Application', {
        context,
        argocd,
        name: names.cloudCore,
        version: cloudCore.version!,
        advertiseAddress: hostOf(config.edge.cloudCoreAddress!),
        mirror: config.images.mirror,
      });
    }
  }
  return { context, database: db, edgeDatabase: edgeDb, proxy, edgeProxyAddress, edgeTls, flows: allFlows };
}

/** The database as edge nodes reach it: edge.databaseAddress when set, else the cloud address (EdgeMesh or an external database). */
function edgeDatabase(config: Config, db: DatabaseConnection, tlsHost: string | undefined): DatabaseConnection {
  const address = config.edge.databaseAddress;
  if (address === undefined) return db;
  const edge = { ...db, address, waitAddress: waitAddressOf(address) };
  const [host, port] = splitHostPort(address);
  // libpq before PostgreSQL 14 (the programs' images may have one) never matches an IP address in a certificate:
  // verify the name the certificate carries, and connect to the address (PGHOSTADDR).
  if (db.tls && tlsHost !== undefined && isIP(host) !== 0) return { ...edge, address: `${tlsHost}:${port}`, tls: { ...db.tls, hostAddress: host } };
  return edge;
}
