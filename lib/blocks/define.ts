/**
 * A component's definition: what its file exports and the registry
 * (lib/registry.ts) lists. Its data (name, image, config section) is all the
 * config and resolve layers see of it (config/components.ts); `build` makes
 * its objects from the parts built before it, and `flows` lets them talk
 * when NetworkPolicies are on.
 */
import { Construct } from 'constructs';
import type { z } from 'zod';
import type { ComponentEntry } from '../config/components';
import type { PlatformModel } from '../resolve/model';
import { Flow, sortFlows } from '../network/flows';
import type { SharedRoot } from './shared-root';
import { OUTPUT_FILES } from '../file-chart';

/** What every component is built from: the resolved platform, and where its objects go. */
export interface PlatformBase {
  /** The resolved platform (resolve/model.ts): the only view of the config a component gets. */
  readonly model: PlatformModel;
  /** The shared root every cloud node mounts. */
  readonly root: SharedRoot;
  /**
   * The chart of an output file (`OUTPUT_FILES`), made on first use: for a component whose objects
   * go to several files.
   */
  chart(file: string): Construct;
  /**
   * Leave the edge nodes' files unbuilt, for the caller to build one by one (synth's incremental run; see
   * `EdgeFleetProps.deferNodes`).
   * @default false
   */
  readonly deferEdgeNodes?: boolean;
}

/** What a component is built from: the base parts and what the components before it built. */
export interface BuildParts extends PlatformBase {
  /**
   * What the build of a component listed before this one returned (undefined
   * when it has no build or is turned off).
   * @throws Error when it is not built yet
   */
  built<T>(component: ComponentDefinition<T>): T;
  /**
   * Every flow of the platform: the cross-cutting ones (network/flows.ts) and those of every component built, in the
   * order of `sortFlows`. Only for a component built {@link ComponentDefinition.last}.
   */
  flows(): readonly Flow[];
}

/**
 * One component: its data ({@link ComponentEntry}), how it is built and who
 * talks to it. `T` is what its build returns, `S` the schema of the config
 * section it brings.
 */
export interface ComponentDefinition<T = unknown, S extends z.ZodType = z.ZodType> extends ComponentEntry {
  /** The schema of the section it brings, placed at `configKey`. */
  readonly section?: S;
  /**
   * The output file its objects go to (`scope` of its build).
   * @default the platform's file, 20-platform.k8s.yaml
   */
  readonly file?: string;
  /**
   * Built after every component without it (in list order), so that its build sees every flow (`parts.flows()`).
   * @default false
   */
  readonly last?: boolean;
  /**
   * Makes its objects in `scope` (the chart of its `file`). `section`
   * is its parsed section when it brings one.
   * @default none: it is data only (its name and image)
   */
  build?(scope: Construct, parts: BuildParts, section: z.output<S>): T;
  /**
   * The network flows into and out of its pods (beyond DNS), which the
   * NetworkPolicies allow; `built` is what its build returned.
   * @default none: its pods are isolated when NetworkPolicies are on
   */
  flows?(built: NonNullable<T>, parts: BuildParts): Flow[];
}

/**
 * A component's definition, with its name and image kept as literal types
 * (the registry's `Component` and `PlatformImage`) and `build`'s `section`
 * typed by `section`.
 */
export function defineComponent<const N extends string, T = undefined, S extends z.ZodType = z.ZodUndefined, const I extends string | undefined = undefined>(
  definition: {
    readonly name: N;
    readonly image?: I;
    readonly configKey?: string;
    readonly section?: S;
    readonly file?: string;
    readonly last?: boolean;
    build?(scope: Construct, parts: BuildParts, section: z.output<S>): T;
    flows?(built: NonNullable<T>, parts: BuildParts): Flow[];
  },
): ComponentDefinition<T, S> & { readonly name: N; readonly image: I } {
  return definition as ComponentDefinition<T, S> & { readonly name: N; readonly image: I };
}

/** The components built, and what each build returned. */
export interface BuiltComponents {
  /** What a component's build returned. @throws Error when it is not among them */
  built<T>(component: ComponentDefinition<T>): T;
  /** Every flow: the cross-cutting ones and the components', in the order of `sortFlows`. */
  readonly flows: readonly Flow[];
}

/**
 * Builds the components, in order (those marked `last` after the others): each sees what the ones before it built.
 * @param shared the cross-cutting flows (network/flows.ts), from what the components built
 */
export function buildComponents(base: PlatformBase, components: readonly ComponentDefinition[], shared: (built: BuildParts['built']) => readonly Flow[]): BuiltComponents {
  const results = new Map<ComponentDefinition, unknown>();
  const built = <T>(component: ComponentDefinition<T>): T => {
    if (!results.has(component)) throw new Error(`component "${component.name}" is not built yet: list it before the components that use it`);
    return results.get(component) as T;
  };
  const flows = (): Flow[] =>
    sortFlows([...shared(built), ...[...results].flatMap(([c, own]) => (c.flows && own !== undefined && own !== null ? c.flows(own, parts) : []))]);
  const parts: BuildParts = { ...base, built, flows };
  const ordered = [...components.filter((c) => !c.last), ...components.filter((c) => c.last)];
  for (const c of ordered) {
    const section = c.configKey === undefined ? undefined : base.model.sections[c.configKey];
    results.set(c, c.build?.(base.chart(c.file ?? OUTPUT_FILES.platform), parts, section));
  }
  return { built, flows: flows() };
}
