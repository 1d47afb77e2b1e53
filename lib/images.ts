/**
 * Image references of the platform's own components: `<registry>/<upstream
 * name>:<tag>`, unless the config overrides one.
 */
import { Config } from './config/schema';

/** The upstream image names the platform project builds. */
export type PlatformImage =
  | 'nsfl-job-scheduler'
  | 'nsfl-model-manager'
  | 'nsfl-selector'
  | 'nsfl-proxy'
  | 'nsfl-coordinator'
  | 'nsfl-client-cpu';

/** The image of a platform component: the override when set, else registry/name:tag. */
export function platformImage(config: Config, upstream: PlatformImage, override?: string): string {
  return override ?? `${config.images.registry}/${upstream}:${config.images.tag}`;
}
