/**
 * The shell scripts that serve the embedded PostgreSQL's TLS from copies of
 * its certificate Secret: the copy made before PostgreSQL starts, and the
 * loop beside it that copies a renewed certificate and has PostgreSQL reload
 * it and a changed pg_hba.conf. Pure: typed input to text.
 */

/** Input of {@link renderTlsCopyScript} and {@link renderTlsReloadScript}. */
export interface DatabaseTlsScriptInput {
  /** Where the certificate Secret's files are (`tls.crt`, `tls.key`, `ca.crt`), changed in place on renewal. */
  readonly secretDir: string;
  /** The writable folder PostgreSQL reads its copies from (`server.crt`, `server.key`, `ca.crt`). */
  readonly tlsDir: string;
  /** The folder of the pg_hba.conf PostgreSQL reads, changed in place when its ConfigMap changes. */
  readonly hbaDir: string;
  /** The file name of that pg_hba.conf. */
  readonly hbaFile: string;
  /** Seconds between two comparisons of the Secret's files and pg_hba.conf with what was loaded. */
  readonly checkSeconds: number;
}

/**
 * The copy: the key with mode 0600 (PostgreSQL's demand of a key file its
 * user owns), the certificate and the CA (which verifies the clients'
 * certificates, `ssl_ca_file`) with 0644, each written beside its target and
 * then renamed, so PostgreSQL never reads half a file.
 */
function copyLines(input: DatabaseTlsScriptInput): string[] {
  const { secretDir, tlsDir } = input;
  return [
    `install -m 0600 ${secretDir}/tls.key ${tlsDir}/.server.key.new`,
    `install -m 0644 ${secretDir}/tls.crt ${tlsDir}/.server.crt.new`,
    `install -m 0644 ${secretDir}/ca.crt ${tlsDir}/.ca.crt.new`,
    `mv -f ${tlsDir}/.server.key.new ${tlsDir}/server.key`,
    `mv -f ${tlsDir}/.server.crt.new ${tlsDir}/server.crt`,
    `mv -f ${tlsDir}/.ca.crt.new ${tlsDir}/ca.crt`,
  ];
}

/** The init container's script: copy the certificate, the key and the CA into `tlsDir` once. */
export function renderTlsCopyScript(input: DatabaseTlsScriptInput): string {
  return ['set -eu', ...copyLines(input)].join('\n');
}

/**
 * The sidecar's script: every `checkSeconds`, copy a renewed certificate
 * and note a changed pg_hba.conf, then have PostgreSQL reload both
 * (`pg_reload_conf()`, as `$PGUSER` in `$POSTGRES_DB`), once after a start
 * too; a failed reload is tried again on the next round.
 */
export function renderTlsReloadScript(input: DatabaseTlsScriptInput): string {
  const { secretDir, tlsDir } = input;
  const hba = `${input.hbaDir}/${input.hbaFile}`;
  const seenHba = `${tlsDir}/.${input.hbaFile}.loaded`;
  return [
    'set -eu',
    `cp ${hba} ${seenHba}`,
    // Reload once after a start too: a copy made before this container last stopped may not be loaded yet.
    'pending=yes',
    // The Secret's and the ConfigMap's files change in place (the volumes are not subPaths).
    `while sleep ${input.checkSeconds}; do`,
    `  if [ "$(cat ${secretDir}/tls.crt ${secretDir}/ca.crt)" != "$(cat ${tlsDir}/server.crt ${tlsDir}/ca.crt)" ]; then`,
    ...copyLines(input).map((l) => `    ${l}`),
    '    echo "copied the renewed certificate"; pending=yes',
    '  fi',
    `  if [ "$(cat ${hba})" != "$(cat ${seenHba})" ]; then cp ${hba} ${seenHba}; echo "pg_hba.conf changed"; pending=yes; fi`,
    // A failed reload (the server restarting) is tried again on the next round.
    '  if [ "$pending" = yes ] && psql -h 127.0.0.1 -d "$POSTGRES_DB" -Atqc "SELECT pg_reload_conf()" >/dev/null; then',
    '    echo "PostgreSQL reloaded its certificate and pg_hba.conf"; pending=no',
    '  fi',
    'done',
  ].join('\n');
}
