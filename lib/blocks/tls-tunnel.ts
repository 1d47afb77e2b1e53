/**
 * The TLS tunnel beside every task manager: a stock nginx container that
 * listens on the pod's loopback and carries the task manager's plaintext
 * gRPC (registration, reports and task results alike) to the proxy over
 * mutual TLS with the pod's certificate. The program cannot do it itself
 * (SPEC.md, TLS: one plaintext channel per address), so its `server` is the
 * tunnel.
 */
import { k8s } from 'cdk8s-plus-28';
import { renderTunnelConf } from '../render/tunnel-conf';
import type { PlatformContext } from '../resolve/context';
import { emptyDirVolume, imageOf, resources, securityContext } from './pod';

/** ConfigMap key (and file name) of the tunnel's nginx.conf. */
export const TUNNEL_CONF_FILE = 'tls-tunnel.conf';

/** Where the tunnel's container reads its nginx.conf. */
const TUNNEL_CONF_PATH = '/etc/neursafe-fl/tls-tunnel/nginx.conf';

/** Props of {@link tlsTunnel}. */
export interface TlsTunnelProps {
  /** Loopback port the task manager sends to. */
  readonly listenPort: number;
  /** host:port of the proxy's gRPC port, as reachable from the site. */
  readonly proxyAddress: string;
  /** DNS name in the proxy's certificate that the tunnel checks. */
  readonly proxyName: string;
  /** The pod's `ssl` folder (its certificate, key and CA). */
  readonly ssl: k8s.VolumeMount;
  /** Name of the pod's ConfigMap volume, which holds {@link TUNNEL_CONF_FILE}. */
  readonly configVolume: string;
}

/** A tunnel: its container, its scratch volume, its nginx.conf and the address the program uses instead of the proxy's. */
export interface TlsTunnel {
  /** The container; list it before the program's (its postStart holds the program back until it listens). */
  readonly container: k8s.Container;
  /** Its scratch volume (pid file). */
  readonly volume: k8s.Volume;
  /** The text of its nginx.conf, to be put in the ConfigMap under {@link TUNNEL_CONF_FILE}. */
  readonly conf: string;
  /** 127.0.0.1:port: the program's `server`. */
  readonly address: string;
}

/** The tunnel of one task manager pod. */
export function tlsTunnel(context: PlatformContext, props: TlsTunnelProps): TlsTunnel {
  const run = emptyDirVolume('tls-tunnel-run', '/run/tls-tunnel');
  const address = `127.0.0.1:${props.listenPort}`;
  const conf = renderTunnelConf({
    listenPort: props.listenPort,
    proxyAddress: props.proxyAddress,
    proxyName: props.proxyName,
    sslDir: props.ssl.mountPath,
    runDir: run.mount.mountPath,
  });
  // The task manager registers once, with no retry: it starts only when the tunnel listens (at most ~60 s).
  const ready = `for i in $(seq 1 60); do nc -w 2 127.0.0.1 ${props.listenPort} </dev/null >/dev/null 2>&1 && exit 0; sleep 1; done; exit 0`;
  return {
    container: {
      name: 'tls-tunnel',
      ...imageOf(context, context.images.nginx),
      command: ['nginx', '-c', TUNNEL_CONF_PATH, '-g', 'daemon off;'],
      lifecycle: { postStart: { exec: { command: ['sh', '-c', ready] } } },
      resources: resources(undefined, { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '500m', memory: '64Mi' } }),
      // nginx's root master reads the key (owner-only) and switches its worker to an unprivileged user.
      securityContext: securityContext({ root: true, add: ['SETGID', 'SETUID'], readOnlyRoot: true }),
      volumeMounts: [{ name: props.configVolume, mountPath: TUNNEL_CONF_PATH, subPath: TUNNEL_CONF_FILE }, props.ssl, run.mount],
    },
    volume: run.volume,
    conf,
    address,
  };
}
