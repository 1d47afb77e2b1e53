/**
 * Renders the shell function that publishes each FL namespace's coordinator
 * certificate into the shared root as the `ssl` folder coordinators open,
 * the way Kubernetes writes Secret volumes: a complete new version folder,
 * then one rename of the `..data` link each file name points through. Pure:
 * typed input to text.
 */

/** Input of {@link renderPublishFunction}. */
export interface PublishInput {
  /** The FL namespaces, in the order they are published. */
  readonly namespaces: readonly string[];
  /** Where the certificates are read: `<source>/<namespace>/<file>`. */
  readonly source: string;
  /** Where the shared root is mounted. */
  readonly root: string;
  /** Folder inside each namespace's folder of the shared root: `<root>/<namespace>/<folder>/`. */
  readonly folder: string;
  /** The `ssl` folder's file names. */
  readonly files: readonly string[];
}

/**
 * The shell function `publish`: for each namespace whose files changed, a
 * new version folder (files private to root), the `..data` link renamed onto
 * it, each file name a link through `..data` (put in place by a rename too),
 * and every older version but the previous one removed.
 */
export function renderPublishFunction(input: PublishInput): string {
  const files = input.files.join(' ');
  const source = input.source;
  return [
    'publish() {',
    `  for ns in ${input.namespaces.join(' ')}; do`,
    `    dir="${input.root}/$ns/${input.folder}"`,
    '    mkdir -p "$dir"',
    '    chmod 0700 "$dir"',
    '    same=yes',
    `    for f in ${files}; do cmp -s "${source}/$ns/$f" "$dir/..data/$f" || same=no; done`,
    '    [ "$same" = yes ] && continue',
    '    previous=$(readlink "$dir/..data" || true)',
    '    version=$(mktemp -d "$dir/..v-$(date -u +%Y%m%dT%H%M%S)-XXXXXX")',
    '    version=${version##*/}',
    `    for f in ${files}; do cp "${source}/$ns/$f" "$dir/$version/$f"; chmod 0600 "$dir/$version/$f"; done`,
    '    ln -s "$version" "$dir/..data.new"',
    '    mv -f -T "$dir/..data.new" "$dir/..data"',
    // Each file name is a link through ..data, put in place by a rename too (a first publish, or one over files of an older release).
    `    for f in ${files}; do`,
    '      [ "$(readlink "$dir/$f" 2>/dev/null)" = "..data/$f" ] && continue',
    '      ln -s "..data/$f" "$dir/.$f.new"',
    '      mv -f -T "$dir/.$f.new" "$dir/$f"',
    '    done',
    // Keep the previous version for a reader that resolved ..data just before the rename.
    '    for old in "$dir"/..v-*; do',
    '      case "${old##*/}" in "$version" | "$previous") ;; *) rm -rf "$old" ;; esac',
    '    done',
    `    echo "published the coordinators' certificate of namespace $ns ($version)"`,
    '  done',
    '}',
  ].join('\n');
}
