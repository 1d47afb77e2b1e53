/** Host ports KubeEdge uses on edge hosts: edged, MetaServer, the MQTT broker. */
export const KUBEEDGE_HOST_PORTS: ReadonlyMap<number, string> = new Map([
  [10350, 'edged'],
  [10550, 'MetaServer'],
  [1883, 'the MQTT broker'],
  [1884, 'the MQTT broker'],
]);
