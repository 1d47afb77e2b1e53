/**
 * The library's public face: the platform as one construct, each component
 * as a construct with typed props, the shared context, the component
 * registry (whose entries, `COMPONENTS.<name>`, are the components'
 * definitions; `defineComponent` makes one of your own) and the config types. Another cdk8s app imports from here:
 *
 *   import { NeursafePlatform, TaskManager } from '<this package>/lib';
 *   const platform = new NeursafePlatform(app, 'fl', { config: { name: 'fl', version: '0.1.0', ... } });
 *
 * See examples/app/ and docs/developing.md.
 */

// The whole platform
export { NeursafePlatform, NeursafePlatformProps } from './neursafe-platform';
export { buildPlatform, BuildOptions, PlatformParts } from './platform';

// Config: types, schema, loading
export { Arch, Config, EdgeNodeConfig, EdgeSettings, Resources, componentSection, configSchema } from './config/schema';
export { RemoteSiteConfig, RemoteSiteSettings } from './config/schema';
export { LoadedConfig, LoadOptions, loadConfig, parseConfig } from './load';
export { LocalCache } from './local-cache';
export { ConfigError, ConfigIssue, formatIssue } from './config/errors';
export { EdgeSite } from './resolve/fleet';
export { SiteDirs, siteDirs, siteRoot } from './resolve/site-dirs';

// What every construct shares
export { ApiProxySettings, PlatformContext, PlatformImages, platformContext } from './resolve/context';
export { COMPONENTS, COMPONENT_NAMES, Component, PlatformImage, REGISTRY, platformComponents } from './registry';
export { BuildParts, BuiltComponents, ComponentDefinition, PlatformBase, buildComponents, defineComponent } from './blocks/define';
export { ComponentEntry, platformConfigSchema } from './config/components';
export { labels, resourceName, selectorLabels, APP_NAME, INSTANCE_LABEL, SITE_LABEL } from './labels';
export { imageSource, mirrorImage, mirrorRegistry, platformImage } from './images';
export { SecretKeyRef } from './blocks/pod';

// Building blocks
export {
  ComponentProps,
  CONFIG_VOLUME,
  ExternalServiceProps,
  ProgramContainer,
  ProgramService,
  ProgramServiceProps,
  ProgramWorkload,
  ProgramWorkloadProps,
  ServicePort,
  WorkloadIdentityProps,
} from './blocks/workload';
export { SharedRoot, SharedRootProps } from './blocks/shared-root';
export { NodeReaderRole, ProgramIdentity, ProgramIdentityProps, RoleProps, ServiceAccountToken, ServiceAccountTokenProps, WorkloadRoles } from './blocks/api-access';
export { SetupJob, SetupJobProps } from './blocks/setup-job';
export { PodPullSecrets, PodPullSecretsProps, pullSecretsEnv } from './components/pull-secrets';

// One construct per component
export { CoordinatorTls, JobScheduler, JobSchedulerProps } from './components/job-scheduler';
export { ModelManager, ModelManagerProps, ModelS3Storage } from './components/model-manager';
export { ClientSelector, ClientSelectorProps } from './components/client-selector';
export { Proxy, ProxyExpose, ProxyProps, ProxyTls } from './components/proxy';
export { ApiGateway, ApiGatewayProps, GatewayRef } from './components/api-gateway';
export { ObjectStorage, ObjectStorageProps } from './components/object-storage';
export {
  Database,
  DatabaseEdgeExposure,
  DatabaseProps,
  DatabaseTls,
  EmbeddedDatabaseProps,
  ExternalDatabaseProps,
} from './components/database';
export { Secrets, SecretsProps } from './components/secrets';
export { Credentials, DatabaseConnection } from './blocks/database-client';
export { ClientEndpoints, ClientEndpointsProps } from './components/endpoints';
export { ConfigMapExtras, EdgeApiAccess, EdgeApiIdentity, SharedEnv, TaskManager, TaskManagerProps, TaskManagerTls, TaskManagerVariant } from './components/task-manager';
export { TaskManagerSettings } from './resolve/site';
export { DeferredEdgeNodes, EdgeFleet, EdgeFleetProps, EdgeNodeOwn, EdgeNodeShared, EdgeTls, edgeSiteWiring } from './edge/fleet';
export { REMOTE_SITES_ARGOCD_FILE, RemoteSiteFolder, RemoteSiteFolderProps, RemoteSitesBuilt, remoteSiteFile, remoteSiteFlows } from './components/remote-sites';
export { TASK_MANAGER_DEFAULTS } from './config/defaults';
export { NetworkPolicies, NetworkPoliciesProps } from './network/policies';
export { DatabaseEndpoint, Flow, FlowPort, Peer, PortOwner, SharedFlowSources, sharedFlows, sortFlows } from './network/flows';
export { RemoteSiteApplication, RemoteSiteApplicationProps } from './gitops/argocd';
export { ArgoCdProps, ArgoCdSettings, CertManagerApplication, CertManagerApplicationProps, CloudCoreApplication, CloudCoreProps, FleetApplicationSet, PlatformApplication } from './gitops/argocd';

// TLS
export {
  CertificateAuthority,
  CertificateAuthorityProps,
  CertificateReloader,
  CertificateReloaderProps,
  ProgramCertificate,
  ProgramCertificateProps,
  ProgramTls,
  RESTART_ANNOTATION,
} from './blocks/certificates';
export { SSL_DIR, SSL_FILES, sslFolder } from './blocks/tls';
export { TlsTunnel, TlsTunnelProps, TUNNEL_CONF_FILE, tlsTunnel } from './blocks/tls-tunnel';
export { CertificateIssuance, TlsSettings, resolveTls } from './resolve/tls';

// The resolved model every construct is built from
export { ComponentSections, EdgeCertificates, EdgeDatabaseAddress, EdgeModel, PlatformModel } from './resolve/model';
export { ArgoCdNames } from './resolve/names';
export { REMOTE_DIRS_ROOT, RemoteSite, RemoteSiteDatabase, RemoteSitesModel, RemoteSiteTls, SITES_DIR } from './resolve/remote-sites';

// Output
export { ARGOCD_DIR, FileChart, OUTPUT_FILES, OutputFile } from './file-chart';

// Types and values the API above refers to
export { ARCHES } from './config/schema';
export { resourcesSchema } from './config/fields';
export { Locate } from './config/load';
export { JOB_IMAGES } from './registry';
export { LabelContext } from './labels';
export { EdgePodMetadata } from './resolve/fleet';
export { Collection, DATABASE_USERS, DatabaseUser, DatabaseUserSpec } from './resolve/database-users';
export { DATABASE_CLIENT_DIR } from './blocks/tls';
export { GatewayDataPlane, NamespaceIsolation } from './resolve/api-gateway';
export { Protocol } from './network/flows';
