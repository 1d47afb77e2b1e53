/**
 * The JSON Schema of platform.yaml, generated from the zod schema (the single
 * source), and a Markdown reference of every field for the README.
 */
import { z } from 'zod';
import { configSchema } from './schema';

/** The JSON Schema editors use to complete and check platform.yaml. */
export function platformJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://neursafe.io/schemas/platform.schema.json',
    title: 'Neursafe FL platform config (platform.yaml)',
  };
}

/** The committed text of schema/platform.schema.json. */
export function platformJsonSchemaText(): string {
  return `${JSON.stringify(platformJsonSchema(), null, 2)}\n`;
}

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  required?: string[];
}

/** Text safe inside a Markdown table cell: pipes escaped, angle brackets not taken for HTML. */
function markdownText(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One row per field: path, type, default, description. */
export function configReferenceMarkdown(): string {
  const rows: string[] = ['| field | type | default | description |', '|---|---|---|---|'];
  const typeOf = (s: JsonSchema): string => {
    if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
    if (s.anyOf) return [...new Set(s.anyOf.map(typeOf))].join(' \\| ');
    if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
    if (s.type === 'object' && !s.properties) return 'map';
    return Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
  };
  const walk = (s: JsonSchema, path: string, required: boolean) => {
    if (path && path !== '$schema') {
      const def = s.default === undefined ? (required ? '**required**' : '') : `\`${JSON.stringify(s.default)}\``;
      rows.push(`| \`${path}\` | ${typeOf(s)} | ${def} | ${markdownText(s.description ?? '')} |`);
    }
    if (s.properties) {
      for (const [k, v] of Object.entries(s.properties)) walk(v, path ? `${path}.${k}` : k, (s.required ?? []).includes(k) && v.default === undefined);
    }
    if (s.type === 'array' && s.items?.properties) walk({ ...s.items, description: undefined, type: undefined }, `${path}[]`, false);
    if (s.additionalProperties && typeof s.additionalProperties === 'object' && s.additionalProperties.properties) {
      walk({ ...s.additionalProperties, description: undefined, type: undefined }, `${path}.<name>`, false);
    }
  };
  walk(platformJsonSchema() as JsonSchema, '', false);
  return `${rows.join('\n')}\n`;
}
