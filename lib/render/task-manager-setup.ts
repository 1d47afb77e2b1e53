/**
 * Renders a task manager's `task_manager_setup.json`. Pure: typed input to text.
 */

/** The name of the start-up file inside the config directory. */
export const TASK_MANAGER_SETUP_FILE = 'task_manager_setup.json';
/** The name of the datasets index inside the datasets directory. */
export const DATASETS_FILE = 'datasets.json';

/** Input of {@link renderTaskManagerSetup}. */
export interface TaskManagerSetupInput {
  /** The proxy's gRPC address, reachable from this site. */
  readonly server: string;
  /** Where coordinators (pods in `default`) reach this task manager. */
  readonly externalAddress: string;
  /** Listening port. */
  readonly port: number;
  /** The site folders, as the task manager sees them (identical to the host paths). */
  readonly dirs: { readonly lmdb: string; readonly workspace: string; readonly datasets: string; readonly taskConfigs: string };
  /** Runtimes offered. */
  readonly runtime: readonly string[];
  /** Storage quota in MB. */
  readonly storageQuota: number;
  /** Register with the client selector. */
  readonly registration: boolean;
  /** Log level. */
  readonly logLevel: string;
  /** Free-form site label. */
  readonly label?: string;
  /** Most tasks at once. */
  readonly maxTaskParallelism?: number;
  /**
   * The `ssl` folder (cert.pem, private.key, trusted.pem): mutual TLS for its gRPC server and its task results.
   * @default none: plaintext
   */
  readonly ssl?: string;
}

/**
 * The text of task_manager_setup.json. `registration` is the string
 * "true"/"false" and `runtime` a comma-separated list, as the program reads them.
 */
export function renderTaskManagerSetup(input: TaskManagerSetupInput): string {
  const file: Record<string, unknown> = {
    server: input.server,
    host: '0.0.0.0',
    port: input.port,
    external_address: input.externalAddress,
    platform: 'k8s',
    lmdb_path: input.dirs.lmdb,
    workspace: input.dirs.workspace,
    task_config_entry: input.dirs.taskConfigs,
    datasets: `${input.dirs.datasets}/${DATASETS_FILE}`,
    runtime: input.runtime.join(','),
    storage_quota: input.storageQuota,
    registration: String(input.registration),
    log_level: input.logLevel,
    ...(input.label !== undefined ? { label: input.label } : {}),
    ...(input.maxTaskParallelism !== undefined ? { max_task_parallelism: input.maxTaskParallelism } : {}),
    ...(input.ssl !== undefined ? { ssl: input.ssl } : {}),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}
