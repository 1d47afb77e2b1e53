/**
 * `images.mirror`: the config with every image reference it holds rewritten
 * to come from the mirror (lib/images.ts has the rule), before anything
 * reads an image. The rewrite is done here once, on every field of the
 * config that holds an image, so no construct has a reference of its own to
 * forget; test/images.test.ts checks the output of every example and every
 * image field of the JSON Schema.
 */
import type { ComponentEntry } from '../config/components';
import { ARCHES, Config, EdgeSettings } from '../config/schema';
import { mirrorImage, mirrorRegistry } from '../images';

/** The helper images of `images` (every key holding a full reference). */
const HELPER_IMAGES = ['coordinator', 'kubectl', 'nginx', 'busybox', 'postgres', 'mongo', 'minio'] as const;

type ImageMap = NonNullable<EdgeSettings['images']>;

/** An edge level (defaults, profile or node) with its images under the mirror. */
function mirrorEdgeLevel<S extends EdgeSettings>(s: S, to: (ref: string) => string): S {
  const perArch = (m: ImageMap | undefined) => (m === undefined ? undefined : Object.fromEntries(ARCHES.flatMap((a) => (m[a] === undefined ? [] : [[a, to(m[a])]]))));
  return {
    ...s,
    ...(s.image === undefined ? {} : { image: to(s.image) }),
    ...(s.executorImage === undefined ? {} : { executorImage: to(s.executorImage) }),
    ...(s.images === undefined ? {} : { images: perArch(s.images) }),
    ...(s.executorImages === undefined ? {} : { executorImages: perArch(s.executorImages) }),
  };
}

/**
 * The config with every image reference under `images.mirror` (unchanged
 * without one): `images.registry` and the helper images, each component
 * section's `image` and `executorImage`, every edge level's images.
 * @param components the registry's entries: the sections at their config keys hold an `image`
 */
export function mirrorConfig(config: Config, components: readonly ComponentEntry[]): Config {
  const mirror = config.images.mirror;
  if (mirror === undefined) return config;
  const to = (ref: string) => mirrorImage(ref, mirror);
  const images = { ...config.images, registry: mirrorRegistry(config.images.registry, mirror) };
  for (const key of HELPER_IMAGES) if (images[key] !== undefined) images[key] = to(images[key]);
  const sections: Record<string, unknown> = {};
  for (const key of new Set(components.flatMap((c) => (c.configKey === undefined ? [] : [c.configKey])))) {
    const section = (config as unknown as Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>)[key];
    if (section === undefined) continue;
    const rewritten = { ...section };
    for (const field of ['image', 'executorImage']) if (typeof section[field] === 'string') rewritten[field] = to(section[field]);
    sections[key] = rewritten;
  }
  const edge = config.edge;
  return {
    ...config,
    ...sections,
    images,
    edge: {
      ...edge,
      defaults: mirrorEdgeLevel(edge.defaults, to),
      profiles: Object.fromEntries(Object.entries(edge.profiles).map(([name, p]) => [name, mirrorEdgeLevel(p, to)])),
      nodes: edge.nodes.map((n) => mirrorEdgeLevel(n, to)),
    },
  };
}
