/**
 * The platform's components, in one list: each entry is the definition its
 * file exports (blocks/define.ts), and decides the component's name, its
 * upstream image, its config section, the file its objects go to, how it is
 * built and the flows of its programs. lib/platform.ts builds them in this
 * order (those marked `last` at the end), the config schema takes their
 * sections, the per-component config rules check them. Adding a component
 * is its file plus one entry here (docs/developing.md).
 *
 * The registry sits at the top, beside lib/platform.ts: the config and
 * resolve layers never import it; lib/load.ts hands them its entries' data.
 */
import { apiGatewayComponent } from './components/api-gateway';
import { argoCdComponent } from './components/argocd';
import { certificateAuthorityComponent } from './components/certificate-authority';
import { clientSelectorComponent } from './components/client-selector';
import { clusterComponent, workloadRolesComponent } from './components/cluster';
import { COORDINATOR_IMAGE } from './config/defaults';
import { databaseComponent } from './components/database';
import { ComponentDefinition } from './blocks/define';
import { edgeFleetComponent } from './components/edge-fleet';
import { setupComponent } from './components/endpoints';
import { jobSchedulerComponent } from './components/job-scheduler';
import { modelManagerComponent } from './components/model-manager';
import { networkPoliciesComponent } from './components/network-policies';
import { objectStorageComponent } from './components/object-storage';
import { proxyComponent } from './components/proxy';
import { pullSecretsComponent } from './components/pull-secrets';
import { remoteSitesComponent } from './components/remote-sites';
import { secretsComponent } from './components/secrets';
import { taskManagerComponent } from './components/task-manager';

/**
 * Every component, in build order: each is built after the ones whose
 * objects it uses.
 */
export const REGISTRY = [
  clusterComponent,
  certificateAuthorityComponent,
  secretsComponent,
  databaseComponent,
  pullSecretsComponent,
  workloadRolesComponent,
  clientSelectorComponent,
  modelManagerComponent,
  proxyComponent,
  jobSchedulerComponent,
  apiGatewayComponent,
  objectStorageComponent,
  setupComponent,
  taskManagerComponent,
  edgeFleetComponent,
  remoteSitesComponent,
  argoCdComponent,
  networkPoliciesComponent,
] as const satisfies readonly ComponentDefinition[];

/** Names of the registered components. */
export type Component = (typeof REGISTRY)[number]['name'];

/** The registered components by name. */
export const COMPONENTS = Object.fromEntries(REGISTRY.map((c) => [c.name, c])) as {
  readonly [N in Component]: Extract<(typeof REGISTRY)[number], { readonly name: N }>;
};

/** Every registered component's name, in registry order. */
export const COMPONENT_NAMES: readonly Component[] = REGISTRY.map((c) => c.name);

/** The config sections the per-component image and env rules check, in registry order. */
export const COMPONENT_CONFIG_KEYS: readonly string[] = REGISTRY.flatMap((c: ComponentDefinition) => (c.configKey === undefined ? [] : [c.configKey]));

/** Images the platform project builds that belong to no component of their own: coordinators, created per job. */
export const JOB_IMAGES = [COORDINATOR_IMAGE] as const;

/** The upstream image names the platform project builds. */
export type PlatformImage = NonNullable<(typeof REGISTRY)[number]['image']> | (typeof JOB_IMAGES)[number];

/** The registered components followed by `extra` (a library user's own), in build order. */
export function platformComponents(extra: readonly ComponentDefinition[] = []): readonly ComponentDefinition[] {
  return [...REGISTRY, ...extra];
}
