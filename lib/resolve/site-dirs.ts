/**
 * The folders of a task manager site, as host paths (mounted into the task
 * manager at the same paths, since its executors mount them by host path).
 */
import { Config } from '../config/schema';

/** Where the task manager's start-up file (a ConfigMap) is mounted. */
export const TASK_MANAGER_CONFIG_DIR = '/etc/neursafe-fl';

/** Folders the task manager container mounts besides the site folders (its config and scratch space). */
export const TASK_MANAGER_FIXED_MOUNTS = [TASK_MANAGER_CONFIG_DIR, '/tmp'] as const;

/** The four site folders. */
export interface SiteDirs {
  /** LMDB task metadata. */
  readonly lmdb: string;
  /** Intermediate files. */
  readonly workspace: string;
  /** datasets.json and dataset folders. */
  readonly datasets: string;
  /** Task entry scripts and configs. */
  readonly taskConfigs: string;
}

/** The folder name of each site folder under a default root. */
export const DIR_NAMES: Readonly<Record<keyof SiteDirs, string>> = {
  lmdb: 'lmdb',
  workspace: 'workspace',
  datasets: 'datasets',
  taskConfigs: 'task-configs',
};

/** Site folders from config, each defaulting to `<root>/<folder name>`. */
export function siteDirs(dirs: Partial<SiteDirs>, root: string): SiteDirs {
  const dir = (key: keyof SiteDirs) => dirs[key] ?? `${root}/${DIR_NAMES[key]}`;
  return { lmdb: dir('lmdb'), workspace: dir('workspace'), datasets: dir('datasets'), taskConfigs: dir('taskConfigs') };
}

/**
 * `root` when all four folders are at their default names under it (`<root>/<folder name>`), else none: a task
 * manager then mounts the root once instead of each folder (the root is the platform's own, never a user's folder).
 */
export function siteRoot(dirs: SiteDirs, root: string): string | undefined {
  const defaults = siteDirs({}, root);
  return (Object.keys(DIR_NAMES) as (keyof SiteDirs)[]).every((key) => dirs[key] === defaults[key]) ? root : undefined;
}

/**
 * Where the cloud task manager's folders default to: beside the shared root,
 * never inside it (the shared root's folders are the upload endpoint's buckets).
 */
export function cloudSiteRoot(config: Config): string {
  return `${config.sharedRoot.hostPath}_task_manager`;
}
