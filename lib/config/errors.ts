/**
 * Config problems as values: where (file, line, column, field path), what was
 * expected and what was found.
 */

/** One problem found in a config file. */
export interface ConfigIssue {
  /** The config file the problem is in. */
  readonly file: string;
  /** 1-based line of the offending node (or its closest parent), when known. */
  readonly line?: number;
  /** 1-based column, when known. */
  readonly column?: number;
  /** Dotted field path, e.g. `edge.nodes[2].hostPort`; empty for the whole file. */
  readonly path: string;
  /** What is wrong: what was expected and what was found. */
  readonly message: string;
  /** `error` stops synthesis; `warning` is printed and synthesis goes on. */
  readonly severity: 'error' | 'warning';
}

/** Formats an issue as `file:line:col: error: path: message`, the shape editors and CI logs link. */
export function formatIssue(issue: ConfigIssue): string {
  const where = [issue.file, issue.line, issue.column].filter((p) => p !== undefined).join(':');
  const field = issue.path ? `${issue.path}: ` : '';
  return `${where}: ${issue.severity}: ${field}${issue.message}`;
}

/** Thrown when a config has errors; carries all of them, not only the first. */
export class ConfigError extends Error {
  /**
   * @param issues every error (and warning) found
   */
  constructor(public readonly issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

/**
 * Renders a field path (`['edge', 'nodes', 2, 'name']`) as `edge.nodes[2].name`;
 * a key that is not a plain name is quoted (`nodeLabels["example.com/rack"]`).
 */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => {
      if (typeof p === 'number') return `[${p}]`;
      const key = String(p);
      if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `[${JSON.stringify(key)}]`;
      return i === 0 ? key : `.${key}`;
    })
    .join('');
}

/** A problem found by a cross-field rule. */
export interface RuleIssue {
  /** Path of the offending field. */
  readonly path: readonly PropertyKey[];
  /** What is wrong and what would be right. */
  readonly message: string;
  /** `error` stops synthesis, `warning` is printed. */
  readonly severity: 'error' | 'warning';
  /** Another field involved: its line is shown when `path` is not written in the file (e.g. a field to add). */
  readonly related?: readonly PropertyKey[];
}
