/**
 * The Markdown configuration reference (docs/configuration.md), generated from
 * the JSON Schema of platform.yaml so that it can never disagree with the
 * schema.
 *
 * Layout: one section per top-level key, one table row per field, required
 * fields first within each object. Objects whose shape recurs (e.g.
 * `resources` in every component, the edge settings of defaults, profiles and
 * nodes) are listed once under "Shared blocks" and linked from every place
 * that uses them. The output depends only on the schema, so it is
 * deterministic.
 */
import type { z } from 'zod';
import { platformJsonSchema } from './json-schema';

/** The parts of a JSON Schema node the reference reads. */
interface JsonSchema {
  readonly type?: string | string[];
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: unknown[];
  readonly properties?: Record<string, JsonSchema>;
  readonly additionalProperties?: JsonSchema | boolean;
  readonly items?: JsonSchema;
  readonly anyOf?: JsonSchema[];
  readonly required?: string[];
}

/** A block listed once under "Shared blocks". */
interface SharedBlock {
  /** Heading and anchor text. */
  readonly name: string;
  /** What it is: the description every use shares, else an intro of its own. */
  readonly intro: string;
  /** The schema, without description and default. */
  readonly key: string;
  /** The schema of the first place it appears. */
  readonly schema: JsonSchema;
  /** Every use, as Markdown, filled in while the rows are written. */
  readonly usedBy: string[];
}

/** Headings for shared blocks whose last path segment says too little. */
const BLOCK_TITLES: Readonly<Record<string, string>> = { defaults: 'edge settings', images: 'images by architecture' };

/** What a shared block is, for blocks whose uses describe it each in their own words. */
const BLOCK_INTROS: Readonly<Record<string, string>> = {
  'edge settings': 'Everything an edge node can set. edge.defaults, then the node\'s profile, then the node itself: later levels win field by field; env, nodeLabels, dirs and resources are merged ' +
    'key by key, lists replaced.',
  dirs: 'The host paths of a task manager\'s four site folders. Each use says its own defaults.',
  tolerations: 'A toleration, as in a pod spec.',
};

/** Shared blocks smaller than this are never found inside a larger object ("plus every field of"). */
const MIN_EMBEDDED_FIELDS = 4;

/** Text safe inside a Markdown table cell: pipes escaped, angle brackets not taken for HTML. */
export function markdownText(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The GitHub anchor of a heading. */
export function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');
}

/**
 * A schema's identity: everything but its own description and default, so
 * uses with their own wording match while fields described differently
 * (e.g. two Secrets with different keys) do not.
 */
function shapeKey(s: JsonSchema): string {
  const { description: _d, default: _v, ...rest } = s;
  return JSON.stringify(rest);
}

/** The object schema a field holds directly, through a list, or through a map of named entries. */
function objectOf(s: JsonSchema): { readonly schema: JsonSchema; readonly suffix: string } | undefined {
  if (s.properties) return { schema: s, suffix: '' };
  if (s.type === 'array' && s.items?.properties) return { schema: s.items, suffix: '[]' };
  if (s.additionalProperties && typeof s.additionalProperties === 'object' && s.additionalProperties.properties) {
    return { schema: s.additionalProperties, suffix: '.<name>' };
  }
  return undefined;
}

/** The fields of an object, required ones (no default) first, each group in schema order. */
function fieldsOf(s: JsonSchema): Array<{ readonly name: string; readonly schema: JsonSchema; readonly required: boolean }> {
  const all = Object.entries(s.properties ?? {}).map(([name, schema]) => ({
    name,
    schema,
    required: (s.required ?? []).includes(name) && schema.default === undefined,
  }));
  return [...all.filter((f) => f.required), ...all.filter((f) => !f.required)];
}

/** The type column: enum values, unions, lists and maps spelt out. */
function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (s.anyOf) return [...new Set(s.anyOf.map(typeOf))].join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object' && !s.properties) {
    return s.additionalProperties && typeof s.additionalProperties === 'object' && s.additionalProperties.properties ? 'map of object' : 'map';
  }
  return Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
}

/**
 * Finds the shared blocks: object shapes (below the top-level sections) that
 * occur at two or more paths. A block inside another block is not listed on
 * its own unless it also occurs elsewhere.
 */
function findSharedBlocks(root: JsonSchema): SharedBlock[] {
  const byKey = new Map<string, { schema: JsonSchema; lastName: string; paths: string[]; descriptions: Set<string> }>();
  const visit = (s: JsonSchema, path: string, depth: number) => {
    for (const { name, schema } of fieldsOf(s)) {
      const obj = objectOf(schema);
      if (!obj) continue;
      const p = `${path ? `${path}.` : ''}${name}`;
      if (depth >= 1) {
        const key = shapeKey(obj.schema);
        const entry = byKey.get(key) ?? { schema: obj.schema, lastName: name, paths: [], descriptions: new Set<string>() };
        entry.paths.push(`${p}${obj.suffix}`);
        entry.descriptions.add(schema.description ?? '');
        byKey.set(key, entry);
      }
      visit(obj.schema, `${p}${obj.suffix}`, depth + 1);
    }
  };
  visit(root, '', 0);
  const repeated = [...byKey.entries()].filter(([, e]) => e.paths.length > 1);
  // Only outermost repeats: drop a block whose every use lies inside uses of another block.
  const outermost = repeated.filter(([, e]) =>
    !repeated.some(([, other]) => other !== e && e.paths.every((p) => other.paths.some((o) => p.startsWith(`${o}.`)))),
  );
  const names = new Set<string>();
  return outermost.map(([key, e]) => {
    let name = BLOCK_TITLES[e.lastName] ?? e.lastName;
    for (let i = 2; names.has(name); i++) name = `${BLOCK_TITLES[e.lastName] ?? e.lastName} ${i}`;
    names.add(name);
    const common = e.descriptions.size === 1 ? [...e.descriptions][0] : '';
    return { name, intro: BLOCK_INTROS[name] ?? common, key, schema: e.schema, usedBy: [] };
  });
}

/** Renders the reference. */
class ReferenceWriter {
  private readonly blocks: SharedBlock[];
  private readonly byKey: Map<string, SharedBlock>;

  constructor(private readonly root: JsonSchema) {
    this.blocks = findSharedBlocks(root);
    this.byKey = new Map(this.blocks.map((b) => [b.key, b]));
  }

  /** The whole reference. */
  render(): string {
    const sections: string[] = [];
    const topScalars = fieldsOf(this.root).filter((f) => !objectOf(f.schema));
    sections.push(this.section('Top level', 'Fields at the top of the file.', topScalars.map((f) => this.row(f.name, f.schema, f.required))));
    for (const f of fieldsOf(this.root)) {
      const obj = objectOf(f.schema);
      if (!obj) continue;
      const rows = this.rows(obj.schema, `${f.name}${obj.suffix}`);
      sections.push(this.section(`\`${f.name}\``, markdownText(f.schema.description ?? ''), rows));
    }
    const blockRows = this.blocks.map((b) => this.rows(b.schema, '', b));
    const shared = this.blocks.map((b, i) => {
      const used = `Used by ${b.usedBy.join(', ')}.`;
      return this.section(this.blockHeading(b), `${b.intro ? `${markdownText(b.intro)} ` : ''}${used}`, blockRows[i], 4);
    });
    const toc = [
      ...sections.map((s) => {
        const heading = s.split('\n')[0].replace(/^#+ /, '');
        return `- [${heading}](#${anchorOf(heading)})`;
      }),
      `- [Shared blocks](#shared-blocks)`,
      ...this.blocks.map((b) => `  - [${this.blockHeading(b)}](#${anchorOf(this.blockHeading(b))})`),
    ];
    const legend = [
      'Columns: the field\'s path (`[]` is an entry of a list, `<name>` a key of a map), its type,',
      'its default (**required**: it must be set whenever its parent is present; blank: unset unless',
      'you set it) and what it does. Required fields come first within each object.',
    ];
    return `${[legend.join('\n'), toc.join('\n'), ...sections, '### Shared blocks\n\nBlocks that appear in several places, described once.', ...shared].join('\n\n')}\n`;
  }

  private blockHeading(b: SharedBlock): string {
    return `Shared: ${b.name}`;
  }

  private section(heading: string, intro: string, rows: string[], level = 3): string {
    const head = `${'#'.repeat(level)} ${heading}`;
    const table = ['| field | type | default | description |', '|---|---|---|---|', ...rows].join('\n');
    return [head, ...(intro ? [intro] : []), table].join('\n\n');
  }

  /**
   * Rows for every field below `s`, recursing into objects that are not
   * shared blocks, and recording each use of a block (`owner`: the block
   * these rows describe, if any).
   */
  private rows(s: JsonSchema, path: string, owner?: SharedBlock): string[] {
    const use = (p: string) => (owner ? `\`${p}\` in [${owner.name}](#${anchorOf(this.blockHeading(owner))})` : `\`${p}\``);
    const embedded = this.embeddedBlock(s);
    const own = fieldsOf(s).filter((f) => !embedded || !(f.name in (embedded.schema.properties ?? {})));
    const out: string[] = [];
    for (const f of own) {
      const p = path ? `${path}.${f.name}` : f.name;
      const obj = objectOf(f.schema);
      const block = obj && this.byKey.get(shapeKey(obj.schema));
      out.push(this.row(p, f.schema, f.required, block));
      if (block) block.usedBy.push(use(`${p}${obj.suffix}`));
      else if (obj) out.push(...this.rows(obj.schema, `${p}${obj.suffix}`, owner));
    }
    if (embedded) {
      const where = path || '(each entry)';
      embedded.usedBy.push(use(path));
      out.push(`| \`${where}.*\` | | | Every field of [${embedded.name}](#${anchorOf(this.blockHeading(embedded))}) too. |`);
    }
    return out;
  }

  /** A shared block whose fields all appear, unchanged (descriptions and defaults too), in the larger object `s`. */
  private embeddedBlock(s: JsonSchema): SharedBlock | undefined {
    const props = s.properties ?? {};
    return this.blocks.find((b) => {
      const bp = Object.entries(b.schema.properties ?? {});
      return bp.length >= MIN_EMBEDDED_FIELDS && bp.length < Object.keys(props).length
        && bp.every(([k, v]) => props[k] !== undefined && JSON.stringify(props[k]) === JSON.stringify(v));
    });
  }

  private row(path: string, s: JsonSchema, required: boolean, block?: SharedBlock): string {
    const def = s.default === undefined ? (required ? '**required**' : '') : `\`${JSON.stringify(s.default)}\``;
    const type = block ? `${typeOf(s)}: [${block.name}](#${anchorOf(this.blockHeading(block))})` : typeOf(s);
    const description = markdownText(s.description ?? '');
    return `| \`${path}\` | ${type} | ${def} | ${description} |`;
  }
}

/**
 * The configuration reference of platform.yaml as Markdown (the generated part of docs/configuration.md).
 * @param config the zod schema (see {@link platformJsonSchema}); default: config/schema.ts
 */
export function configReferenceMarkdown(config?: z.ZodType): string {
  return new ReferenceWriter(platformJsonSchema(config) as JsonSchema).render();
}
