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
}

/** Every port the platform uses for this config, in a fixed order (a port may appear twice, under two fields). */
export function platformPorts(config: Config): PlatformPort[] {
  const ports: PlatformPort[] = [
    { port: config.proxy.grpcPort, field: 'proxy.grpcPort' },
    { port: config.proxy.httpPort, field: 'proxy.httpPort' },
  ];
  if (config.proxy.expose.type === 'NodePort') ports.push({ port: config.proxy.expose.nodePort, field: 'proxy.expose.nodePort' });
  if (config.objectStorage.type === 'embedded') ports.push({ port: config.objectStorage.nodePort, field: 'objectStorage.nodePort' });
  if (config.database.type === 'embedded' && config.database.embedded.edgeNodePort !== undefined) {
    ports.push({ port: config.database.embedded.edgeNodePort, field: 'database.embedded.edgeNodePort' });
  }
  // The TLS tunnel's loopback port in every task manager pod (on an edge node, the node's own).
  if (config.tls.enabled) ports.push({ port: config.tls.tunnelPort, field: 'tls.tunnelPort' });
  return ports;
}
