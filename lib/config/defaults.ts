/**
 * Defaults defined once: the schema applies them to the cloud task manager,
 * and the resolve layer to edge nodes that leave a setting unset at every
 * level (defaults, profile, node).
 */

/** Upstream name of the coordinators' image, which no component runs: the job scheduler starts one per job (COORDINATOR_IMAGE). */
export const COORDINATOR_IMAGE = 'nsfl-coordinator' as const;

/** A task manager site's settings when nothing sets them. */
export const TASK_MANAGER_DEFAULTS = {
  /** Upstream image name (`<images.registry>/<image>:<images.tag>`); for edge nodes, of amd64 ones. */
  image: 'nsfl-client-cpu',
  /** gRPC port; for edge nodes, where port allocation starts. */
  port: 22000,
  /** WORKER_PORT of executors. */
  workerPort: 8050,
  /** Runtimes offered. */
  runtime: ['tensorflow', 'pytorch'] as readonly string[],
  /** Storage quota in MB. */
  storageQuota: 10240,
  /** Register with the client selector. */
  registration: true,
  /** Log level. */
  logLevel: 'INFO' as const,
} as const;

/** The port KubeEdge's MetaServer serves the Kubernetes API on, on an edge node's loopback. */
export const METASERVER_PORT = 10550;
