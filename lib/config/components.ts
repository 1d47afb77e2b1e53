/**
 * What the config and resolve layers know of a component: data only. The
 * registry (lib/registry.ts) holds the components' definitions, which add
 * how each is built; it sits at the top, so these layers are typed against
 * this part and are handed the registry's entries by the top layer.
 */
import { z } from 'zod';
import { Config, configSchema } from './schema';

/** The data part of a component's definition. */
export interface ComponentEntry {
  /** Its `app.kubernetes.io/component` value. */
  readonly name: string;
  /**
   * Upstream image name the platform project builds for it (`<images.registry>/<image>:<images.tag>`).
   * @default none: the component runs a third-party image named in `images`, or none of its own
   */
  readonly image?: string;
  /**
   * Its section of platform.yaml. The `latest`-tag rule and the
   * managed-environment rule (resolve/rules.ts) check the section's `image`
   * and `env` keys.
   * @default none: no section of its own
   */
  readonly configKey?: string;
  /**
   * The schema of its section, when the component brings it (build it with
   * `componentSection` and the fields of config/fields.ts). Without it, the
   * section at `configKey` is one of config/schema.ts: the sections that
   * cross-field rules read live there.
   * @default none: its section, if any, is in config/schema.ts
   */
  readonly section?: z.ZodType;
}

/**
 * The schema of platform.yaml for these components: config/schema.ts plus
 * the sections the components bring, after its own keys in component order.
 * @throws Error when two components share a name, or a section's key is taken
 */
export function platformConfigSchema(components: readonly ComponentEntry[]): z.ZodType<Config> {
  const names = new Set<string>();
  const sections: Record<string, z.ZodType> = {};
  for (const c of components) {
    if (names.has(c.name)) throw new Error(`two components are named "${c.name}"`);
    names.add(c.name);
    if (c.section === undefined) continue;
    if (c.configKey === undefined) throw new Error(`component "${c.name}" has a section but no configKey to put it at`);
    if (c.configKey in configSchema.shape || c.configKey in sections) throw new Error(`component "${c.name}": the config key "${c.configKey}" is already taken`);
    sections[c.configKey] = c.section;
  }
  if (Object.keys(sections).length === 0) return configSchema;
  // The added sections are keys the lower layers do not read: to them the output is a Config.
  return configSchema.extend(sections).describe(configSchema.description!) as unknown as z.ZodType<Config>;
}
