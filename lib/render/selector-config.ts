/**
 * Renders the client selector's JSON config file. Pure: typed input to text.
 */

/** Input of {@link renderSelectorConfig}. */
export interface SelectorConfigInput {
  /** gRPC port. */
  readonly port: number;
  /** Authenticate clients. */
  readonly authClient: boolean;
  /** Optimal selection. */
  readonly optimalSelect: boolean;
  /** Evaluator name to weight. */
  readonly strategy?: Record<string, number>;
}

/**
 * The text of the selector's config file. `auth_client` and `optimal_select`
 * are the strings "true"/"false": the program calls `.lower()` on them.
 */
export function renderSelectorConfig(input: SelectorConfigInput): string {
  const file: Record<string, unknown> = {
    port: input.port,
    auth_client: String(input.authClient),
    optimal_select: String(input.optimalSelect),
    ...(input.strategy ? { strategy: input.strategy } : {}),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}
