/**
 * Renders the script of the proxy's certificate reloader: the sidecar that
 * has nginx load a renewed certificate (SIGHUP to its master, found through
 * the pod's shared process namespace) and checks that new workers started.
 * Pure: typed input to text.
 */

/** Input of {@link renderNginxReloadScript}. */
export interface NginxReloadInput {
  /** The certificate's files (certificate, key, CA) whose change calls for a reload. */
  readonly files: readonly string[];
  /** Seconds between two comparisons of the files with what nginx last loaded. */
  readonly checkSeconds: number;
  /** Seconds nginx is given to start new workers after SIGHUP. */
  readonly settleSeconds: number;
}

/**
 * The reloader's shell script: when the files differ from what nginx last
 * loaded, SIGHUP to nginx's master (the `nginx` process whose parent is not
 * one), then a check that new workers started, which nginx does only when the
 * new files load; otherwise it says so and tries again. It also reloads once
 * after it starts, in case a renewal came while it was down.
 */
export function renderNginxReloadScript(input: NginxReloadInput): string {
  return [
    'set -eu',
    // The pids of the nginx processes whose parent is $1 (no argument: nginx's master, whose parent is not nginx).
    'nginx_children() {',
    '  for p in /proc/[0-9]*; do',
    '    [ "$(cat "$p/comm" 2>/dev/null)" = nginx ] || continue',
    '    parent=$(cut -d " " -f 4 "$p/stat" 2>/dev/null) || continue',
    '    if [ -n "${1:-}" ]; then [ "$parent" = "$1" ] && echo "${p#/proc/}"',
    '    elif [ "$(cat "/proc/$parent/comm" 2>/dev/null)" != nginx ]; then echo "${p#/proc/}"; fi',
    '  done',
    '  return 0',
    '}',
    'loaded=""',
    `while sleep ${input.checkSeconds}; do`,
    `  now=$(cat ${input.files.join(' ')} | md5sum)`,
    '  [ "$now" != "$loaded" ] || continue',
    '  master=$(nginx_children | head -n 1)',
    '  [ -n "$master" ] || { echo "nginx is not running"; continue; }',
    '  before=$(nginx_children "$master")',
    '  kill -HUP "$master" || continue',
    `  sleep ${input.settleSeconds}`,
    '  after=$(nginx_children "$master")',
    '  if [ -n "$after" ] && [ "$after" != "$before" ]; then',
    '    echo "nginx (pid $master) reloaded its certificate"; loaded=$now',
    '  else',
    `    echo "nginx (pid $master) kept its old certificate: does the new key belong to it? Trying again in ${input.checkSeconds} s"`,
    '  fi',
    'done',
  ].join('\n');
}
