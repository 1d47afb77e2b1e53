/**
 * Renders the script of the Job that appends the config's pull secrets to a
 * ServiceAccount's `imagePullSecrets`, with one JSON patch `add` at the end
 * per missing name (idempotent; the other entries are untouched). Pure:
 * typed input to text.
 */

/** Input of {@link renderPullSecretsPatchScript}. */
export interface PullSecretsPatchInput {
  /** Namespace of the ServiceAccount. */
  readonly namespace: string;
  /** The ServiceAccount's name. */
  readonly serviceAccount: string;
  /** Names of the pull secrets it must list (at least one). */
  readonly pullSecrets: readonly string[];
}

/** The Job's shell script (kubectl on the PATH). */
export function renderPullSecretsPatchScript(input: PullSecretsPatchInput): string {
  const sa = `-n ${input.namespace} serviceaccount ${input.serviceAccount}`;
  return [
    'set -eu',
    `have=" $(kubectl get ${sa} -o jsonpath='{range .imagePullSecrets[*]}{.name}{" "}{end}')"`,
    'added=0',
    `for secret in ${input.pullSecrets.join(' ')}; do`,
    '  case "$have" in *" $secret "*) continue ;; esac',
    '  if [ "$have" = " " ]; then patch="[{\\"op\\":\\"add\\",\\"path\\":\\"/imagePullSecrets\\",\\"value\\":[{\\"name\\":\\"$secret\\"}]}]"',
    '  else patch="[{\\"op\\":\\"add\\",\\"path\\":\\"/imagePullSecrets/-\\",\\"value\\":{\\"name\\":\\"$secret\\"}}]"; fi',
    `  kubectl patch ${sa} --type=json -p "$patch" >/dev/null`,
    '  have="$have$secret "; added=$((added + 1))',
    'done',
    `echo "added $added pull secret(s) to ServiceAccount ${input.serviceAccount} of ${input.namespace}; the Secrets must exist in ${input.namespace} (docs/images.md)"`,
  ].join('\n');
}
