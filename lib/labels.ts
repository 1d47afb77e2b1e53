/**
 * Resource names and the recommended Kubernetes labels. Names come from the
 * config's `name` and a component (or edge node) name, never from list
 * positions or hashes. A component is named by its registry entry's `name`
 * (lib/registry.ts), the `app.kubernetes.io/component` value.
 */

/** What names and labels are made of: the instance name and the version. */
export interface LabelContext {
  /** Instance name (`app.kubernetes.io/instance`), the prefix of every resource name. */
  readonly name: string;
  /** Version of the platform (`app.kubernetes.io/version`). */
  readonly version: string;
}

/** The label that names an object's component (one of {@link COMPONENT}, or a library user's component's name). */
export const COMPONENT_LABEL = 'app.kubernetes.io/component';

/**
 * The `app.kubernetes.io/component` values of the platform's programs and of
 * its database, object store and set-up objects: one spelling for each.
 */
export const COMPONENT = {
  database: 'database',
  clientSelector: 'client-selector',
  modelManager: 'model-manager',
  proxy: 'proxy',
  jobScheduler: 'job-scheduler',
  apiGateway: 'api-gateway',
  objectStorage: 'object-storage',
  setup: 'setup',
  taskManager: 'task-manager',
} as const;

/** The label that tells task manager sites apart (`cloud` or an edge node name). */
export const SITE_LABEL = 'fl.neursafe.io/site';

/**
 * The instance label every selector of whole objects uses (`kubectl -l`: the
 * certificate reloader's lists, the kubectl path's prune). Argo CD's label
 * tracking (the 2.x default) rewrites `app.kubernetes.io/instance` on every
 * object it applies to the Application's name, and no other label; this one
 * keeps the config's `name`.
 */
export const INSTANCE_LABEL = 'fl.neursafe.io/instance';

/** `app.kubernetes.io/name` of every object. */
export const APP_NAME = 'neursafe-fl';

/** Name of a resource that belongs to the platform: `<context.name>-<suffix>`. */
export function resourceName(context: Pick<LabelContext, 'name'>, suffix: string): string {
  return `${context.name}-${suffix}`;
}

/**
 * Labels that never change for the life of a workload: the only ones used in
 * selectors (a Deployment's selector is immutable).
 */
export function selectorLabels(context: Pick<LabelContext, 'name'>, component: string, site?: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': APP_NAME,
    'app.kubernetes.io/instance': context.name,
    [COMPONENT_LABEL]: component,
    ...(site === undefined ? {} : { [SITE_LABEL]: site }),
  };
}

/**
 * The labels every object of the platform instance carries that select it
 * as a whole, which Argo CD never rewrites (see {@link INSTANCE_LABEL}).
 */
export function instanceLabels(context: Pick<LabelContext, 'name'>): Record<string, string> {
  return { 'app.kubernetes.io/part-of': APP_NAME, [INSTANCE_LABEL]: context.name };
}

/** A label selector (`kubectl -l`) of every object of the platform instance: its {@link instanceLabels}. */
export function instanceSelector(context: Pick<LabelContext, 'name'>): string {
  return Object.entries(instanceLabels(context))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * The full label set of an object: the recommended `app.kubernetes.io/*`
 * labels (for people and tools) and {@link INSTANCE_LABEL} (for selectors).
 */
export function labels(context: LabelContext, component: string, site?: string): Record<string, string> {
  return {
    ...selectorLabels(context, component, site),
    [INSTANCE_LABEL]: context.name,
    'app.kubernetes.io/part-of': APP_NAME,
    'app.kubernetes.io/managed-by': 'cdk8s',
    'app.kubernetes.io/version': context.version,
  };
}
