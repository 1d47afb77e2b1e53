/**
 * Image references of the platform's own components: `<registry>/<upstream
 * name>:<tag>`, unless the config overrides one.
 */
import { Config } from './config/schema';
import { PlatformImage } from './registry';

export type { PlatformImage };

/** The image of a platform component: the override when set, else registry/name:tag. */
export function platformImage(config: { readonly images: Pick<Config['images'], 'registry' | 'tag'> }, upstream: PlatformImage, override?: string): string {
  return override ?? `${config.images.registry}/${upstream}:${config.images.tag}`;
}
