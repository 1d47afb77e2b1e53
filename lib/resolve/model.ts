/**
 * The resolved platform: everything the constructs are built from, derived
 * once from a checked config (lib/load.ts calls {@link resolveModel} after
 * the rules found no error). Constructs and flows receive slices of it,
 * never the config itself.
 */
import { isIP } from 'node:net';
import { hostOf, splitHostPort } from '../config/addresses';
import { Config } from '../config/schema';
import type { ComponentEntry } from '../config/components';
import { gatewayDataPlane, GatewayDataPlane, namespaceIsolation, NamespaceIsolation } from './api-gateway';
import { PlatformContext, platformContext } from './context';
import { EdgeSite } from './fleet';
import { ArgoCdNames, argoCdNames } from './names';
import { RemoteSitesModel, resolveRemoteSites } from './remote-sites';
import { resolveCloudSite, TaskManagerSettings } from './site';
import { CertificateIssuance, resolveTls, TlsSettings } from './tls';

/** The config sections of the components (registered ones, and a library user's own by their config key). */
export type ComponentSections = Pick<Config, 'clientSelector' | 'modelManager' | 'proxy' | 'jobScheduler' | 'taskManager'> & Readonly<Record<string, unknown>>;

/** Where edge nodes reach the database, when it is not where the cloud programs reach it (`edge.databaseAddress`). */
export interface EdgeDatabaseAddress {
  /** `edge.databaseAddress`: host:port, or a MongoDB URI. */
  readonly address: string;
  /**
   * The name in the server's certificate that edge programs verify while they connect to `address`'s IP address
   * (`PGHOSTADDR`): libpq before PostgreSQL 14 (the programs' images may have one) never matches an IP address in a
   * certificate.
   * @default none: `address`'s host is verified
   */
  readonly verifiedName?: string;
}

/** The edge nodes' certificates: one per node, all with one subject. */
export interface EdgeCertificates {
  /** The Secret of a node's certificate. */
  readonly secretName: (nodeName: string) => string;
  /**
   * How cert-manager issues them (one Certificate per node, in the node's file).
   * @default none: the Secrets exist already
   */
  readonly issuance?: CertificateIssuance;
  /** The common name of every node's certificate, the edge role's name (the proxy admits it; the database logs the edge role in with it). */
  readonly commonName: string;
  /** Each node's TLS tunnel to the proxy: its loopback port and the name it checks in the proxy's certificate. */
  readonly tunnel: { readonly port: number; readonly proxyName: string };
}

/** The edge fleet, resolved. */
export interface EdgeModel {
  /** The enabled edge nodes, resolved (defaults, profile and overrides merged) and sorted by name. */
  readonly sites: readonly EdgeSite[];
  /** The `edge` section (API access, EdgeMesh, addresses). */
  readonly settings: Config['edge'];
  /**
   * host:port at which edge nodes reach the proxy's gRPC port (`edge.proxyAddress`, else `proxy.externalAddress`).
   * @default none known: no edge node needs it
   */
  readonly proxyAddress?: string;
  /**
   * Where edge nodes reach the database.
   * @default where the cloud programs do (EdgeMesh, or an external database)
   */
  readonly database?: EdgeDatabaseAddress;
  /**
   * The nodes' certificates.
   * @default none: TLS is off
   */
  readonly certificates?: EdgeCertificates;
}

/** Everything the constructs are built from. */
export interface PlatformModel {
  /** Names, labels, namespace and images of the platform instance. */
  readonly context: PlatformContext;
  /** The components' config sections, by config key. */
  readonly sections: ComponentSections;
  /** The FL namespaces (`sharedRoot.namespaces`): where jobs run, each with its folder of the shared root. */
  readonly namespaces: readonly string[];
  /** The shared root every cloud node mounts. */
  readonly sharedRoot: Config['sharedRoot'];
  /** The cluster's DNS Service address, the proxy's resolver. */
  readonly dnsServiceIP: string;
  /** Every image reference of the config (under `images.mirror` when set). */
  readonly images: Config['images'];
  /**
   * TLS: each program's Secret, and how certificates are issued.
   * @default none: TLS is off
   */
  readonly tls?: TlsSettings;
  /**
   * The route-registration token, when the config names its Secret.
   * @default generated
   */
  readonly routeToken?: Config['routeToken'];
  /** The database section. */
  readonly database: Config['database'];
  /** The host names the embedded database's certificate also carries for edge nodes (`edge.databaseAddress`). */
  readonly databaseEdgeHosts: readonly string[];
  /** The S3 endpoint users upload to. */
  readonly objectStorage: Config['objectStorage'];
  /** Where the model manager keeps models. */
  readonly modelStorage: Config['modelStorage'];
  /** The API gateway section. */
  readonly apiGateway: Config['apiGateway'];
  /**
   * The pods the API gateway's requests come from.
   * @default none: no API gateway
   */
  readonly gatewayDataPlane?: GatewayDataPlane;
  /**
   * The cloud task manager's settings.
   * @default none: it is turned off
   */
  readonly cloudSite?: TaskManagerSettings;
  /** The edge fleet. */
  readonly edge: EdgeModel;
  /** The remote (cross-silo) sites, each in its own organization's cluster. */
  readonly remoteSites: RemoteSitesModel;
  /** The NetworkPolicies section. */
  readonly networkPolicies: Config['networkPolicies'];
  /** How the platform's namespace is isolated. */
  readonly isolation: NamespaceIsolation;
  /** The GitOps section. */
  readonly gitops: Config['gitops'];
  /** Names of the Argo CD objects. */
  readonly argoCdNames: ArgoCdNames;
}

/** The edge nodes' database address, when `edge.databaseAddress` sets one. */
function edgeDatabase(config: Config, tls: TlsSettings | undefined): EdgeDatabaseAddress | undefined {
  const address = config.edge.databaseAddress;
  if (address === undefined) return undefined;
  const verifyByName = tls !== undefined && config.database.type === 'embedded' && isIP(splitHostPort(address)[0]) !== 0;
  return verifyByName ? { address, verifiedName: tls.databaseHost } : { address };
}

/**
 * The model of a checked config.
 * @param edgeSites the enabled edge nodes, resolved (resolve/fleet.ts)
 * @param components the components built: their sections are handed to them
 */
export function resolveModel(config: Config, edgeSites: readonly EdgeSite[], components: readonly ComponentEntry[]): PlatformModel {
  const tls = resolveTls(config);
  const edgeDatabaseAddress = config.edge.databaseAddress;
  return {
    context: platformContext(config),
    sections: Object.fromEntries(components.flatMap((c) => (c.configKey === undefined ? [] : [[c.configKey, (config as Readonly<Record<string, unknown>>)[c.configKey]]]))) as ComponentSections,
    namespaces: config.sharedRoot.namespaces,
    sharedRoot: config.sharedRoot,
    dnsServiceIP: config.cluster.dnsServiceIP,
    images: config.images,
    tls,
    routeToken: config.routeToken,
    database: config.database,
    databaseEdgeHosts: tls && edgeDatabaseAddress !== undefined ? [tls.databaseHost, hostOf(edgeDatabaseAddress)] : [],
    objectStorage: config.objectStorage,
    modelStorage: config.modelStorage,
    apiGateway: config.apiGateway,
    gatewayDataPlane: gatewayDataPlane(config),
    cloudSite: resolveCloudSite(config),
    edge: {
      sites: edgeSites,
      settings: config.edge,
      proxyAddress: config.edge.proxyAddress ?? config.proxy.externalAddress,
      database: edgeDatabase(config, tls),
      certificates: tls && {
        secretName: tls.edgeNodeSecret,
        issuance: tls.issuance,
        commonName: tls.edgeNodeName,
        tunnel: { port: tls.tunnelPort, proxyName: tls.proxyHost },
      },
    },
    remoteSites: resolveRemoteSites(config, tls),
    networkPolicies: config.networkPolicies,
    isolation: namespaceIsolation(config),
    gitops: config.gitops,
    argoCdNames: argoCdNames(config),
  };
}
