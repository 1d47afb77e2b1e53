/**
 * The JSON Schema of platform.yaml, generated from the zod schema (the single
 * source). The Markdown reference built from it is in reference.ts.
 */
import { z } from 'zod';
import { configSchema } from './schema';

/**
 * The JSON Schema editors use to complete and check platform.yaml.
 * @param config the zod schema: config/schema.ts, or it plus the sections components bring (config/components.ts)
 * @param shared `inline`: every block written out where it is used (what the Markdown reference walks); `ref`: shared blocks under `$defs`
 */
export function platformJsonSchema(config: z.ZodType = configSchema, shared: 'inline' | 'ref' = 'inline'): Record<string, unknown> {
  const schema = z.toJSONSchema(config, { io: 'input', unrepresentable: 'any', reused: shared }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://neursafe.io/schemas/platform.schema.json',
    title: 'Neursafe FL platform config (platform.yaml)',
  };
}

/**
 * The committed text of schema/platform.schema.json: a block used in several
 * places (placement, resources, images...) is written once under `$defs` and
 * referenced, which keeps the file a fifth of its inlined size.
 */
export function platformJsonSchemaText(config: z.ZodType = configSchema): string {
  return `${JSON.stringify(platformJsonSchema(config, 'ref'), null, 2)}\n`;
}
