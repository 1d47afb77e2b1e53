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
import type { Config } from '../config/schema';
import type { PlatformContext } from './context';
import type { DatabaseConnection } from './database-client';
import type { Flow } from '../network/flows';
import type { Secrets } from '../components/secrets';
import type { SharedRoot } from './shared-root';
import type { TlsSettings } from '../resolve/tls';

/** What a component is built from: the config and the parts built before any component. */
export interface PlatformBase {
  /** The validated config. */
  readonly config: Config;
  /** Names, labels, namespace and images of the platform instance. */
  readonly context: PlatformContext;
  /** The platform's Secrets (route token, database users, object storage keys). */
  readonly secrets: Secrets;
  /** The database as cloud programs reach it. */
  readonly database: DatabaseConnection;
  /** The shared root every cloud node mounts. */
  readonly root: SharedRoot;
  /**
   * TLS of the platform: which Secret holds each program's certificate, and how it is issued.
   * @default none: TLS is off
   */
  readonly tls?: TlsSettings;
}

/** What a component is built from: the base parts and what the components before it built. */
export interface BuildParts extends PlatformBase {
  /**
   * What the build of a component listed before this one returned (undefined
   * when it has no build or is turned off).
   * @throws Error when it is not built yet
   */
  built<T>(component: ComponentDefinition<T>): T;
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
   * Makes its objects in `scope` (the chart of 20-platform.k8s.yaml). `section`
   * is its parsed section when it brings one.
   * @default none: its objects are made elsewhere (the database and the set-up Jobs, which every component builds on)
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
  /** The flows the components declare, in component order. */
  readonly flows: readonly Flow[];
}

/** Builds the components into `scope`, in order: each sees what the ones before it built. */
export function buildComponents(scope: Construct, base: PlatformBase, components: readonly ComponentDefinition[]): BuiltComponents {
  const results = new Map<ComponentDefinition, unknown>();
  const built = <T>(component: ComponentDefinition<T>): T => {
    if (!results.has(component)) throw new Error(`component "${component.name}" is not built yet: list it before the components that use it`);
    return results.get(component) as T;
  };
  const parts: BuildParts = { ...base, built };
  for (const c of components) {
    const section = c.section === undefined ? undefined : (base.config as Readonly<Record<string, unknown>>)[c.configKey!];
    results.set(c, c.build?.(scope, parts, section));
  }
  const flows = components.flatMap((c) => {
    const own = results.get(c);
    return c.flows && own !== undefined && own !== null ? c.flows(own, parts) : [];
  });
  return { built, flows };
}
