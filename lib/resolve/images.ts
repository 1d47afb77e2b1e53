/**
 * `images.mirror`: the config with every image reference it holds rewritten
 * to come from the mirror (lib/images.ts has the rule), before anything
 * reads an image. The rewrite is done here once, on every field of the
 * config that holds an image, so no construct has a reference of its own to
 * forget; test/images.test.ts checks the output of every example and every
 * image field of the JSON Schema.
 */
import type { ComponentEntry } from '../config/components';
import { formatPath, RuleIssue } from '../config/errors';
import { ARCHES, Config, EdgeSettings, RemoteSiteSettings } from '../config/schema';
import { imageSource, mirrorImage, mirrorRegistry } from '../images';

/** The helper images of `images` (every key holding a full reference). */
const HELPER_IMAGES = ['coordinator', 'kubectl', 'nginx', 'busybox', 'postgres', 'mongo', 'minio'] as const;

type ImageMap = NonNullable<EdgeSettings['images']>;

/** Rewrites one reference found at a field of the config. */
type Rewrite = (ref: string, path: readonly PropertyKey[]) => string;

/** An edge level (defaults, profile or node) at `path` with its images under the mirror. */
function mirrorEdgeLevel<S extends EdgeSettings>(s: S, path: readonly PropertyKey[], to: Rewrite): S {
  const perArch = (m: ImageMap, key: string) => Object.fromEntries(ARCHES.flatMap((a) => (m[a] === undefined ? [] : [[a, to(m[a], [...path, key, a])]])));
  return {
    ...s,
    ...(s.image === undefined ? {} : { image: to(s.image, [...path, 'image']) }),
    ...(s.executorImage === undefined ? {} : { executorImage: to(s.executorImage, [...path, 'executorImage']) }),
    ...(s.images === undefined ? {} : { images: perArch(s.images, 'images') }),
    ...(s.executorImages === undefined ? {} : { executorImages: perArch(s.executorImages, 'executorImages') }),
  };
}

/** A remote site's level (defaults or a site) at `path` with its images under the mirror. */
function mirrorRemoteLevel<S extends RemoteSiteSettings>(s: S, path: readonly PropertyKey[], to: Rewrite): S {
  const perArch = (m: ImageMap, key: string) => Object.fromEntries(ARCHES.flatMap((a) => (m[a] === undefined ? [] : [[a, to(m[a], [...path, key, a])]])));
  return {
    ...s,
    ...(s.images === undefined ? {} : { images: perArch(s.images, 'images') }),
    ...(s.executorImages === undefined ? {} : { executorImages: perArch(s.executorImages, 'executorImages') }),
    ...(s.image === undefined ? {} : { image: to(s.image, [...path, 'image']) }),
    ...(s.executorImage === undefined ? {} : { executorImage: to(s.executorImage, [...path, 'executorImage']) }),
  };
}

/**
 * The config with every image reference under `images.mirror` (unchanged
 * without one): `images.registry` and the helper images, each component
 * section's `image` and `executorImage`, every edge level's images. An error
 * for two different images that would land on the same mirror path (e.g.
 * docker.io/minio/minio and quay.io/minio/minio).
 * @param components the registry's entries: the sections at their config keys hold an `image`
 */
export function mirrorConfig(config: Config, components: readonly ComponentEntry[]): { config: Config; issues: RuleIssue[] } {
  const mirror = config.images.mirror;
  if (mirror === undefined) return { config, issues: [] };
  const issues: RuleIssue[] = [];
  const seen = new Map<string, { source: string; path: readonly PropertyKey[] }>();
  const to: Rewrite = (ref, path) => {
    const mirrored = mirrorImage(ref, mirror);
    // A reference written under the mirror already names no source: it matches whatever lands there.
    if (mirrored === ref) return ref;
    const { host, path: at } = imageSource(ref);
    const source = `${host}/${at}`;
    const first = seen.get(mirrored);
    if (first === undefined) seen.set(mirrored, { source, path });
    else if (first.source !== source) {
      issues.push({
        path,
        severity: 'error',
        message: `"${ref}" and ${formatPath(first.path)} ("${first.source}") are different images that both become "${mirrored}" under images.mirror: use one of them, or leave images.mirror unset ` +
          `and write each reference in full`,
      });
    }
    return mirrored;
  };
  const images = { ...config.images, registry: mirrorRegistry(config.images.registry, mirror) };
  for (const key of HELPER_IMAGES) if (images[key] !== undefined) images[key] = to(images[key], ['images', key]);
  const sections: Record<string, unknown> = {};
  for (const key of new Set(components.flatMap((c) => (c.configKey === undefined ? [] : [c.configKey])))) {
    const section = (config as unknown as Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>)[key];
    if (section === undefined) continue;
    const rewritten = { ...section };
    for (const field of ['image', 'executorImage']) if (typeof section[field] === 'string') rewritten[field] = to(section[field], [key, field]);
    sections[key] = rewritten;
  }
  const edge = config.edge;
  const mirrored: Config = {
    ...config,
    ...sections,
    images,
    edge: {
      ...edge,
      defaults: mirrorEdgeLevel(edge.defaults, ['edge', 'defaults'], to),
      profiles: Object.fromEntries(Object.entries(edge.profiles).map(([name, p]) => [name, mirrorEdgeLevel(p, ['edge', 'profiles', name], to)])),
      nodes: edge.nodes.map((n, i) => mirrorEdgeLevel(n, ['edge', 'nodes', i], to)),
    },
    // remote-sites: begin
    remoteSites: {
      defaults: mirrorRemoteLevel(config.remoteSites.defaults, ['remoteSites', 'defaults'], to),
      sites: config.remoteSites.sites.map((s, i) => mirrorRemoteLevel(s, ['remoteSites', 'sites', i], to)),
    },
    // remote-sites: end
  };
  return { config: mirrored, issues };
}
