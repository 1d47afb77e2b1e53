/**
 * Renders MinIO's FS-mode format file and the init container's script that
 * writes it into a fresh data folder (lib/components/object-storage.ts
 * tells why). Pure: typed input to text.
 */

/** MinIO's format file that makes a folder an FS-mode (plain files) store. */
export function fsFormatJson(id: string): string {
  return JSON.stringify({ version: '1', format: 'fs', id, fs: { version: '2' } });
}

/**
 * A shell script that writes the FS format file into `dataPath` when the
 * folder has none, and fails with a message when it was formatted otherwise.
 */
export function renderFsFormatScript(dataPath: string): string {
  const file = `${dataPath}/.minio.sys/format.json`;
  return [
    'set -eu',
    `f=${file}`,
    'if [ -f "$f" ]; then',
    '  if grep -q \'"format":"fs"\' "$f"; then echo "$f: filesystem mode"; exit 0; fi',
    '  echo "$f is not in filesystem (fs) mode: MinIO would store uploads as <key>/xl.meta folders that the platform cannot read."',
    `  echo "Move the objects out, remove ${dataPath}/.minio.sys (its host folder under sharedRoot.hostPath) and restart this pod."`,
    '  exit 1',
    'fi',
    `mkdir -p ${dataPath}/.minio.sys`,
    `printf '%s' "${fsFormatJson('$(cat /proc/sys/kernel/random/uuid)').replace(/"/g, '\\"')}" > "$f.tmp"`,
    'mv "$f.tmp" "$f"',
    'echo "$f: created (filesystem mode)"',
  ].join('\n');
}
