import { METASERVER_PORT } from '../config/defaults';

/** Host ports KubeEdge uses on edge hosts: edged, MetaServer, the MQTT broker. */
export const KUBEEDGE_HOST_PORTS: ReadonlyMap<number, string> = new Map([
  [10350, 'edged'],
  [METASERVER_PORT, 'MetaServer'],
  [1883, 'the MQTT broker'],
  [1884, 'the MQTT broker'],
]);
