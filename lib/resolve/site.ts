/**
 * A task manager site, fully resolved: the cloud task manager (cluster mode)
 * and every edge node share this model, so one construct serves both.
 */
import { Config, Resources } from '../config/schema';
import { TASK_MANAGER_DEFAULTS } from '../config/defaults';
import { platformImage } from '../images';
import { cloudSiteRoot, SiteDirs, siteDirs, siteRoot } from './site-dirs';

/** The fully resolved settings of one site. */
export interface TaskManagerSettings {
  /** gRPC port (also the host port at the edge). */
  readonly port: number;
  /** WORKER_PORT. */
  readonly workerPort: number;
  /** Runtimes offered. */
  readonly runtime: readonly string[];
  /** Storage quota, MB. */
  readonly storageQuota: number;
  /** Register with the selector. */
  readonly registration: boolean;
  /**
   * Most tasks at once.
   * @default the program's own
   */
  readonly maxTaskParallelism?: number;
  /**
   * Free-form site label.
   * @default none
   */
  readonly label?: string;
  /** CLUSTER_LABEL_KEY. */
  readonly clusterLabelKey: string;
  /** CLUSTER_LABEL_VALUE. */
  readonly clusterLabelValue: string;
  /** Log level. */
  readonly logLevel: string;
  /** Task manager image. */
  readonly image: string;
  /** CONTAINER_EXECUTOR_IMAGE. */
  readonly executorImage: string;
  /**
   * Container resources (merged over the variant's defaults).
   * @default the variant's defaults
   */
  readonly resources?: Resources;
  /** Extra environment. */
  readonly env: Record<string, string>;
  /** Site folders. */
  readonly dirs: SiteDirs;
  /**
   * The folder that holds all four site folders at their default names ({@link siteRoot}): mounted once, instead of
   * one volume per folder.
   * @default none: each folder is a volume of its own
   */
  readonly dirsRoot?: string;
}

/** A site's folders from config under `root` ({@link siteDirs}), and that root when they are all at their default names there. */
export function withRoot(configured: Partial<SiteDirs>, root: string): Pick<TaskManagerSettings, 'dirs' | 'dirsRoot'> {
  const dirs = siteDirs(configured, root);
  const shared = siteRoot(dirs, root);
  return { dirs, ...(shared === undefined ? {} : { dirsRoot: shared }) };
}

/** The cloud task manager's settings (undefined when it is turned off). */
export function resolveCloudSite(config: Config): TaskManagerSettings | undefined {
  const tm = config.taskManager;
  if (!tm.enabled) return undefined;
  const image = platformImage(config, TASK_MANAGER_DEFAULTS.image, tm.image);
  return {
    port: tm.port,
    workerPort: tm.workerPort,
    runtime: tm.runtime,
    storageQuota: tm.storageQuota,
    registration: tm.registration,
    maxTaskParallelism: tm.maxTaskParallelism,
    label: tm.label,
    clusterLabelKey: tm.clusterLabelKey,
    clusterLabelValue: tm.clusterLabelValue,
    logLevel: tm.logLevel,
    image,
    executorImage: tm.executorImage ?? image,
    resources: tm.resources,
    env: tm.env,
    ...withRoot(tm.dirs, cloudSiteRoot(config)),
  };
}
