/**
 * The platform's components, in one list. Each entry decides a component's
 * `app.kubernetes.io/component` value, its upstream image and which per-component
 * config rules apply; labels, images, config rules and tests read it from here.
 * Adding a component is one entry here plus its construct (docs/developing.md).
 */

/** What the registry knows about one component. */
export interface ComponentEntry {
  /**
   * Upstream image name the platform project builds for it (`<images.registry>/<image>:<images.tag>`).
   * @default none: the component runs a third-party image named in `images`, or none of its own
   */
  readonly image?: string;
  /**
   * Its section of platform.yaml when that section has `image` and `env` keys: the
   * `latest`-tag rule and the managed-environment rule (config/rules.ts) check them.
   * @default none: no per-component image or env keys
   */
  readonly configKey?: string;
}

/** Every component, keyed by its `app.kubernetes.io/component` value. */
export const COMPONENTS = {
  'job-scheduler': { image: 'nsfl-job-scheduler', configKey: 'jobScheduler' },
  'model-manager': { image: 'nsfl-model-manager', configKey: 'modelManager' },
  'client-selector': { image: 'nsfl-selector', configKey: 'clientSelector' },
  proxy: { image: 'nsfl-proxy', configKey: 'proxy' },
  'api-gateway': {},
  'task-manager': { image: 'nsfl-client-cpu', configKey: 'taskManager' },
  database: {},
  'object-storage': {},
  /** Set-up Jobs, their RBAC and the wiring objects (Endpoints, Argo CD Application). */
  setup: {},
} as const satisfies Record<string, ComponentEntry>;

/** `app.kubernetes.io/component` values. */
export type Component = keyof typeof COMPONENTS;

/** Every `app.kubernetes.io/component` value, in registry order. */
export const COMPONENT_NAMES = Object.keys(COMPONENTS) as Component[];

/** Images the platform project builds that belong to no component of their own: coordinators, created per job. */
export const JOB_IMAGES = ['nsfl-coordinator'] as const;

type ImageOf<C> = C extends { readonly image: infer I extends string } ? I : never;

/** The upstream image names the platform project builds. */
export type PlatformImage = ImageOf<(typeof COMPONENTS)[Component]> | (typeof JOB_IMAGES)[number];

type ConfigKeyOf<C> = C extends { readonly configKey: infer K extends string } ? K : never;

/** Config sections of components with their own `image` and `env` keys. */
export type ComponentConfigKey = ConfigKeyOf<(typeof COMPONENTS)[Component]>;

/** The config sections the per-component image and env rules check, in registry order. */
export const COMPONENT_CONFIG_KEYS: readonly ComponentConfigKey[] = Object.values(COMPONENTS).flatMap((c: ComponentEntry) =>
  c.configKey === undefined ? [] : [c.configKey as ComponentConfigKey],
);
