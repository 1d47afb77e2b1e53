/**
 * Renders the script of the Job that creates each missing Secret of the
 * platform once, with random values, and never replaces one whose data
 * volume was initialised with it. Pure: typed input to text.
 */

/** A Secret to create when missing: its name and keys with generated values. */
export interface GeneratedSecret {
  /** Secret name in the platform namespace. */
  readonly name: string;
  /** key → literal value (fixed user names) or `undefined` for a random value. */
  readonly keys: Readonly<Record<string, string | undefined>>;
  /**
   * A PersistentVolumeClaim whose data was initialised with this Secret: when
   * it carries the initialised annotation, a new value would lock the data
   * out, so the Job fails instead of creating one.
   * @default none: the Secret is always created when missing
   */
  readonly guardedBy?: string;
}

/** Input of {@link renderSecretGeneratorScript}. */
export interface SecretGeneratorInput {
  /** The platform namespace. */
  readonly namespace: string;
  /** The Secrets, created in this order. */
  readonly secrets: readonly GeneratedSecret[];
  /** The annotation (value `true`) that marks a guarding claim's data as initialised. */
  readonly initializedAnnotation: string;
}

/** The generator's shell script (kubectl on the PATH). */
export function renderSecretGeneratorScript(input: SecretGeneratorInput): string {
  const ns = input.namespace;
  const annotationPath = input.initializedAnnotation.replace(/\./g, '\\.');
  return [
    'set -eu',
    'random() { head -c 48 /dev/urandom | base64 | tr -dc A-Za-z0-9 | head -c 32; }',
    'exists() { kubectl -n ' + ns + ' get secret "$1" >/dev/null 2>&1; }',
    // A failed create stops the Job (a bare `create && echo` would not under `set -e`).
    'create() { name=$1; shift; if ! kubectl -n ' + ns + ' create secret generic "$name" "$@" >/dev/null; then echo "ERROR: could not create secret $name"; exit 1; fi; echo "secret $name created"; }',
    ...input.secrets.map((s) => {
      const literals = Object.entries(s.keys)
        .map(([key, value]) => `--from-literal=${key}=${value ?? '"$(random)"'}`)
        .join(' ');
      const guard = s.guardedBy
        ? [
            `  initialized=$(kubectl -n ${ns} get pvc ${s.guardedBy} --ignore-not-found -o jsonpath='{.metadata.annotations.${annotationPath}}')`,
            '  if [ "$initialized" = "true" ]; then',
            `    echo "ERROR: secret ${s.name} is missing, but the database volume ${s.guardedBy} holds data initialised with the password it held."`,
            '    echo "A new password would lock every program out of the database, so none is created."',
            `    echo "Restore the Secret from your backup (kubectl -n ${ns} apply -f <saved secret>.yaml) and sync again;"`,
            `    echo "or, only if the data is disposable, delete the claim (kubectl -n ${ns} delete pvc ${s.guardedBy}) and sync again."`,
            '    exit 1',
            '  fi',
          ]
        : [];
      return [`if exists ${s.name}; then echo "secret ${s.name} exists"; else`, ...guard, `  create ${s.name} ${literals}`, 'fi'].join('\n');
    }),
  ].join('\n');
}
