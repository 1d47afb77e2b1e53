/**
 * The ports the platform itself takes, which no task manager may be given:
 * a task manager's port is a host port on its edge node (and its Service's
 * port in the cloud), so it must not be a NodePort (kube-proxy answers
 * NodePorts on every node it runs on), one of the proxy's ports, or a
 * loopback port of the platform's own. KubeEdge's host ports and the API
 * proxy sidecar's port are checked where the edge settings are
 * (`host-ports.ts`, `edge-rules.ts`).
 */
import { Config } from '../config/schema';

/** One port the platform uses, and the config field that sets it. */
export interface PlatformPort {
  /** The port number. */
  readonly port: number;
  /** The config field that sets it, e.g. `proxy.expose.nodePort`. */
  readonly field: string;
  /** The same field as a path into the config. */
  readonly path: readonly string[];
  /** A NodePort: taken on every node, cluster-wide. */
  readonly nodePort: boolean;
}

/** Every port the platform uses for this config, in a fixed order (a port may appear twice, under two fields). */
export function platformPorts(config: Config): PlatformPort[] {
  const ports: PlatformPort[] = [];
  const add = (port: number, path: string[], nodePort = false) => ports.push({ port, field: path.join('.'), path, nodePort });
  add(config.proxy.grpcPort, ['proxy', 'grpcPort']);
  add(config.proxy.httpPort, ['proxy', 'httpPort']);
  if (config.proxy.expose.type === 'NodePort') add(config.proxy.expose.nodePort, ['proxy', 'expose', 'nodePort'], true);
  if (config.objectStorage.type === 'embedded') add(config.objectStorage.nodePort, ['objectStorage', 'nodePort'], true);
  if (config.database.type === 'embedded' && config.database.embedded.edgeNodePort !== undefined) {
    add(config.database.embedded.edgeNodePort, ['database', 'embedded', 'edgeNodePort'], true);
  }
  // The TLS tunnel's loopback port in every task manager pod (on an edge node, the node's own).
  if (config.tls.enabled) add(config.tls.tunnelPort, ['tls', 'tunnelPort']);
  return ports;
}
