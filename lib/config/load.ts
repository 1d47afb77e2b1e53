/**
 * Reads platform.yaml once, at the edge: YAML syntax, then the schema, then
 * the cross-field check it is given (the resolve layer's rules). Every
 * problem is reported with its file, line, column and field path, all at once.
 */
import * as fs from 'fs';
import type { core, z } from 'zod';
import { ConfigError, ConfigIssue, formatPath, RuleIssue } from './errors';
import { Config, configSchema, RENAMED_FIELDS } from './schema';
import { ItemCache, parseYamlSource } from './yaml-source';

/**
 * The cross-field check of a parsed config: the problems it finds and what
 * it computed on the way (the resolved platform).
 */
export type ConfigCheck<T> = (config: Config) => { readonly issues: readonly RuleIssue[]; readonly result: T };

/** A valid config, what its check computed, and the warnings found on the way. */
export interface ValidConfig<T> {
  /** The parsed config with every default applied. */
  readonly config: Config;
  /** What the check computed. */
  readonly result: T;
  /** Risky but legal settings, to be printed. */
  readonly warnings: readonly ConfigIssue[];
  /** Where a field path is written in the file (its closest written parent when absent), for problems found later (at synth). */
  readonly locate: Locate;
}

/** The largest config file read, in bytes (16 MiB: about 100,000 edge nodes). */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/**
 * How many nodes YAML aliases (`*name`) may expand to in total; more is
 * refused (an "alias bomb" would otherwise take all memory).
 */
const MAX_ALIAS_COUNT = 10_000;

/**
 * Reads a config file: a regular file of at most {@link MAX_CONFIG_BYTES}.
 * @throws ConfigError when it cannot be read.
 */
export function readConfigFile(file: string): string {
  const fail = (message: string) => new ConfigError([{ file, path: '', message: `cannot read the config: ${message}`, severity: 'error' }]);
  let text: string;
  try {
    // Checked before reading: a FIFO or a device such as /dev/zero would never end.
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw fail(`not a regular file (${stat.isDirectory() ? 'a folder' : 'a device, pipe or socket'})`);
    if (stat.size > MAX_CONFIG_BYTES) throw fail(`the file is ${stat.size} bytes, more than the limit of ${MAX_CONFIG_BYTES} (16 MiB)`);
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? 'file not found' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message);
  }
  return text;
}

/**
 * Validates config text: YAML, the schema, then `check`; `file` is only used in messages.
 * @param schema the schema of platform.yaml: config/schema.ts, or it plus the sections components bring (config/components.ts)
 * @param cache the values of the edge nodes' items parsed by earlier runs (config/yaml-source.ts)
 * @throws ConfigError with every problem found, when there is at least one error.
 */
export function validateConfig<T>(text: string, file: string, check: ConfigCheck<T>, schema: z.ZodType<Config> = configSchema, cache?: ItemCache): ValidConfig<T> {
  const source = parseYamlSource(text, cache);
  const at = (offset: number | undefined) => {
    if (offset === undefined) return {};
    const { line, col } = source.linePos(offset);
    return { line, column: col };
  };
  const syntax: ConfigIssue[] = [
    ...source.errors.map((e) => ({
      file,
      line: e.linePos?.[0].line,
      column: e.linePos?.[0].col,
      path: '',
      message: `invalid YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
      severity: 'error' as const,
    })),
    ...source.duplicateKeys.map((offset) => ({ file, ...at(offset), path: '', message: 'invalid YAML: Map keys must be unique', severity: 'error' as const })),
  ];
  if (syntax.length > 0) throw new ConfigError(syntax.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)));
  let raw: unknown;
  try {
    raw = source.toJS(MAX_ALIAS_COUNT) ?? {};
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    const message = /resource exhaustion|alias count/i.test(e.message)
      ? `invalid YAML: aliases expand to more than ${MAX_ALIAS_COUNT} nodes (an alias bomb?); write the values out or use fewer aliases`
      : `invalid YAML: ${e.message}`;
    throw new ConfigError([{ file, path: '', message, severity: 'error' }]);
  }
  const locate = (path: readonly PropertyKey[], key?: string): Pick<ConfigIssue, 'line' | 'column'> => at(source.offset(path, key));

  // A rule about a field that is not written (one to add) shows the line of a related field that is.
  const shownAt = (r: RuleIssue) => (r.related && valueAt(raw, r.path) === undefined && valueAt(raw, r.related) !== undefined ? r.related : r.path);
  const toIssue = (r: RuleIssue): ConfigIssue => ({ file, ...locate(shownAt(r)), path: formatPath(r.path), message: r.message, severity: r.severity });
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const shapeIssues = parsed.error.issues.flatMap((issue) => zodIssues(issue, raw, file, locate));
    // Report the cross-field problems too, checked on the config without the broken fields.
    const bad = parsed.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys.map((k) => [...i.path, k]) : [i.path]));
    throw new ConfigError([...shapeIssues, ...rulesWithout(raw, bad, check, schema).map(toIssue)]);
  }
  const { issues, result } = check(parsed.data);
  const ruleIssues = issues.map(toIssue);
  if (ruleIssues.some((i) => i.severity === 'error')) throw new ConfigError(ruleIssues);
  return { config: parsed.data, result, warnings: ruleIssues, locate: (path) => locate(path) };
}

/**
 * The cross-field errors of a config whose broken fields are left out (so
 * their defaults apply), minus any about those fields; none when the config
 * still does not parse (e.g. a required field is broken).
 */
function rulesWithout(raw: unknown, broken: readonly (readonly PropertyKey[])[], check: ConfigCheck<unknown>, schema: z.ZodType<Config>): RuleIssue[] {
  const pruned = structuredClone(raw);
  for (const path of broken) {
    const parent = valueAt(pruned, path.slice(0, -1));
    if (parent !== null && typeof parent === 'object' && !Array.isArray(parent)) delete (parent as Record<PropertyKey, unknown>)[path[path.length - 1]];
  }
  const reparsed = schema.safeParse(pruned);
  if (!reparsed.success) return [];
  // A rule's path touches a broken field when one is a prefix of the other.
  const id = (p: readonly PropertyKey[]) => JSON.stringify(p.map(String));
  const prefixes = (p: readonly PropertyKey[]) => Array.from({ length: p.length + 1 }, (_, i) => id(p.slice(0, i)));
  const brokenIds = new Set(broken.map(id));
  const brokenPrefixes = new Set(broken.flatMap(prefixes));
  const touches = (p: readonly PropertyKey[]) => brokenPrefixes.has(id(p)) || prefixes(p).some((q) => brokenIds.has(q));
  return check(reparsed.data).issues.filter((i) => i.severity === 'error' && !touches(i.path));
}

/** The line and column of a field path (or of `key` inside it) in a config file. */
export type Locate = (path: readonly PropertyKey[], key?: string) => Pick<ConfigIssue, 'line' | 'column'>;

/** Turns one zod issue into config issues that say what was expected and what was found. */
function zodIssues(issue: core.$ZodIssue, raw: unknown, file: string, locate: Locate): ConfigIssue[] {
  const found = valueAt(raw, issue.path);
  const base = { file, severity: 'error' as const };
  const parent = valueAt(raw, issue.path.slice(0, -1));
  const rejectsNothing = issue.code === 'invalid_type' || issue.code === 'invalid_union';
  if (rejectsNothing && found === undefined && issue.path.length > 0 && parent !== null && typeof parent === 'object' && !Array.isArray(parent)) {
    return [{ ...base, ...locate(issue.path), path: formatPath(issue.path), message: `missing required field \`${String(issue.path[issue.path.length - 1])}\`` }];
  }
  switch (issue.code) {
    case 'invalid_key':
      return [
        {
          ...base,
          ...locate(issue.path.slice(0, -1), String(issue.path[issue.path.length - 1])),
          path: formatPath(issue.path),
          message: `invalid key ${JSON.stringify(String(issue.path[issue.path.length - 1]))}: ${issue.issues[0]?.message ?? issue.message}`,
        },
      ];
    case 'invalid_union': {
      // Report the branch that got furthest: its first issue says what form is expected.
      const inner = issue.errors.flat()[0];
      const message = inner && inner.code !== 'invalid_type' ? inner.message : `expected ${describeUnion(issue)}`;
      return [{ ...base, ...locate(issue.path), path: formatPath(issue.path), message: `${message}, found ${describe(found)}` }];
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        ...base,
        ...locate(issue.path, key),
        path: formatPath([...issue.path, key]),
        message: RENAMED_FIELDS[formatPath([...issue.path, key])] ?? `unknown field ${JSON.stringify(key)} (not in the schema; check its spelling and place)`,
      }));
    case 'invalid_type':
      return [
        {
          ...base,
          ...locate(issue.path),
          path: formatPath(issue.path),
          message: found === undefined ? `required field is missing (expected ${issue.expected})` : `expected ${issue.expected}, found ${describe(found)}`,
        },
      ];
    case 'invalid_value':
      return [
        {
          ...base,
          ...locate(issue.path),
          path: formatPath(issue.path),
          message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, found ${describe(found)}`,
        },
      ];
    default:
      return [
        {
          ...base,
          ...locate(issue.path),
          path: formatPath(issue.path),
          message: `${issue.message}, found ${describe(found)}`,
        },
      ];
  }
}

/** The types a union accepts, e.g. "string or number". */
function describeUnion(issue: core.$ZodIssueInvalidUnion): string {
  const types = issue.errors.flat().flatMap((i) => (i.code === 'invalid_type' ? [i.expected] : []));
  return types.length > 0 ? [...new Set(types)].join(' or ') : 'another form';
}

/** A short rendering of a found value for messages. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value === 'string' ? 'string' : typeof value} ${JSON.stringify(value)}`;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}
