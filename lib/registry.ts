/**
 * The platform's components, in one list: each entry is the definition its
 * file exports (lib/blocks/define.ts), and decides the component's
 * `app.kubernetes.io/component` value, its upstream image, its config section
 * and how it is built. lib/platform.ts builds them in this order, the config
 * schema takes their sections, the per-component config rules check them.
 * Adding a component is its file plus one entry here (docs/developing.md).
 *
 * The registry sits at the top, beside lib/platform.ts: the config and
 * resolve layers never import it; lib/load.ts hands them its entries' data.
 */
import { apiGatewayComponent } from './components/api-gateway';
import { COORDINATOR_IMAGE } from './config/defaults';
import { clientSelectorComponent } from './components/client-selector';
import { ComponentDefinition, defineComponent } from './blocks/define';
import { setupComponent } from './components/endpoints';
import { jobSchedulerComponent } from './components/job-scheduler';
import { modelManagerComponent } from './components/model-manager';
import { objectStorageComponent } from './components/object-storage';
import { proxyComponent } from './components/proxy';
import { taskManagerComponent } from './components/task-manager';

/**
 * Every component, in build order: each is built after the ones whose
 * objects it uses.
 */
export const REGISTRY = [
  /** Built by lib/platform.ts before any component: every program is given its connection. */
  defineComponent({ name: 'database' }),
  clientSelectorComponent,
  modelManagerComponent,
  proxyComponent,
  jobSchedulerComponent,
  apiGatewayComponent,
  objectStorageComponent,
  /** Set-up Jobs, their RBAC and the wiring objects (Endpoints, Argo CD Application). */
  setupComponent,
  taskManagerComponent,
] as const satisfies readonly ComponentDefinition[];

/** `app.kubernetes.io/component` values of the registered components. */
export type Component = (typeof REGISTRY)[number]['name'];

/** The registered components by `app.kubernetes.io/component` value. */
export const COMPONENTS = Object.fromEntries(REGISTRY.map((c) => [c.name, c])) as {
  readonly [N in Component]: Extract<(typeof REGISTRY)[number], { readonly name: N }>;
};

/** Every `app.kubernetes.io/component` value, in registry order. */
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
