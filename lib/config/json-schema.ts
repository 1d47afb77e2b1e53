/**
 * The JSON Schema of platform.yaml, generated from the zod schema (the single
 * source). The Markdown reference built from it is in reference.ts.
 */
import { z } from 'zod';
import { configSchema } from './schema';

/**
 * The JSON Schema editors use to complete and check platform.yaml.
 * @param config the zod schema: config/schema.ts, or it plus the sections components bring (config/components.ts)
 */
export function platformJsonSchema(config: z.ZodType = configSchema): Record<string, unknown> {
  const schema = z.toJSONSchema(config, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://neursafe.io/schemas/platform.schema.json',
    title: 'Neursafe FL platform config (platform.yaml)',
  };
}

/** The committed text of schema/platform.schema.json. */
export function platformJsonSchemaText(config: z.ZodType = configSchema): string {
  return `${JSON.stringify(platformJsonSchema(config), null, 2)}\n`;
}
