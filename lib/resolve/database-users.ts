/**
 * Who uses the database, and for what: each program has a role of its own
 * that can touch only its own table (PostgreSQL) or collection (MongoDB).
 * The embedded database's superuser is used by the set-up step alone.
 */

/** The tables (collections) of the programs. */
export type Collection = 'jobs' | 'models' | 'tasks';

/** The programs that use the database. */
export type DatabaseUser = 'jobScheduler' | 'modelManager' | 'taskManager' | 'edgeTaskManager';

/** One program's access. */
export interface DatabaseUserSpec {
  /** The only table it may use (`DB_COLLECTION_NAME`). */
  readonly collection: Collection;
  /** Its role name in the embedded PostgreSQL, and the suffix of its generated Secret. */
  readonly role: string;
  /** Suffix of the name of its generated credentials Secret. */
  readonly secret: string;
  /**
   * The embedded database with TLS also demands, from other hosts, a
   * certificate of the platform's CA whose common name is `role`
   * (`clientcert=verify-full`, beside the password), even with
   * `tls.plaintextDatabase`: the task managers present their program
   * certificate, the job scheduler and the model manager a database client
   * certificate of their own. Its NodePort (edge nodes reach the database
   * from outside the cluster) then admits none of these roles without it.
   */
  readonly certificate: boolean;
}

/** Every program's access, in a fixed order. */
export const DATABASE_USERS: Readonly<Record<DatabaseUser, DatabaseUserSpec>> = {
  jobScheduler: { collection: 'jobs', role: 'fl_job_scheduler', secret: 'db-job-scheduler', certificate: true },
  modelManager: { collection: 'models', role: 'fl_model_manager', secret: 'db-model-manager', certificate: true },
  taskManager: { collection: 'tasks', role: 'fl_task_manager', secret: 'db-task-manager', certificate: true },
  edgeTaskManager: { collection: 'tasks', role: 'fl_edge_task_manager', secret: 'db-edge-task-manager', certificate: true },
};

/** The table names, in creation order. */
export const COLLECTIONS: readonly Collection[] = ['jobs', 'models', 'tasks'];
