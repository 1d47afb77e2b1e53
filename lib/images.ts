/**
 * Image references of the platform's own components: `<registry>/<upstream
 * name>:<tag>`, unless the config overrides one.
 */
import { Config } from './config/schema';

/** The image of a platform component (`upstream`: its upstream name, e.g. nsfl-proxy): the override when set, else registry/name:tag. */
export function platformImage(config: { readonly images: Pick<Config['images'], 'registry' | 'tag'> }, upstream: string, override?: string): string {
  return override ?? `${config.images.registry}/${upstream}:${config.images.tag}`;
}
