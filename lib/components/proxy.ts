/**
 * The proxy (OpenResty): task managers' single gRPC entry (to the client
 * selector and to per-job coordinators) and the internal route-registration
 * API the job scheduler calls.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { platformImage } from '../images';
import { renderNginxConf } from '../render/nginx-conf';
import { renderNginxReloadScript } from '../render/nginx-reload';
import { clientSelectorComponent } from './client-selector';
import { defineComponent } from '../blocks/define';
import { httpProbes, initContainer, secretEnv, SecretKeyRef, securityContext, env } from '../blocks/pod';
import { hostOf } from '../config/addresses';
import { certificateOf, ProgramTls } from '../blocks/certificates';
import type { PlatformContext } from '../resolve/context';
import { sslFolder, SSL_FILES, TLS_CHECK_SECONDS } from '../blocks/tls';
import { CONFIG_VOLUME, ComponentProps, ProgramService, ProgramWorkload } from '../blocks/workload';
import { COMPONENT } from '../labels';
import { ANYWHERE, platformPeer, tcp } from '../network/flows';
import { secretsComponent } from './secrets';

/** Where the image expects its configuration. */
const NGINX_CONF = '/nginx/conf/nginx.conf';

/** How the gRPC port leaves the cluster. */
export interface ProxyExpose {
  /** A NodePort, a cloud load balancer, or external IPs on a ClusterIP Service. */
  readonly type: 'NodePort' | 'LoadBalancer' | 'ExternalIPs';
  /** NodePort (type NodePort). */
  readonly nodePort: number;
  /** External IPs (type ExternalIPs). */
  readonly externalIPs: readonly string[];
  /** Annotations of the external Service (e.g. for a cloud load balancer). */
  readonly annotations: Readonly<Record<string, string>>;
}

/** Props of {@link Proxy}. */
export interface ProxyProps extends ComponentProps {
  /** gRPC port (task managers, coordinators). */
  readonly grpcPort: number;
  /** Internal HTTP port (health, route registration); never exposed. */
  readonly httpPort: number;
  /** Size of `lua_shared_dict iptables`, an nginx size. */
  readonly sharedDictSize: string;
  /** nginx `client_max_body_size`. */
  readonly clientMaxBodySize: string;
  /** How the gRPC port leaves the cluster. */
  readonly expose: ProxyExpose;
  /**
   * host:port at which sites outside the cluster reach the gRPC port.
   * @default unknown: edge sites must be told the address otherwise
   */
  readonly externalAddress?: string;
  /** IP of the cluster DNS Service (the Lua code's resolver). */
  readonly dnsServiceIP: string;
  /** The client selector Service (the `/ClientService` upstream). */
  readonly selector: ProgramService;
  /** The route-registration token shared with the job scheduler. */
  readonly routeToken: SecretKeyRef;
  /**
   * Mutual TLS on the gRPC port: only clients with a certificate from the platform's CA (the task managers' tunnels) get through.
   * @default none: plaintext gRPC
   */
  readonly tls?: ProxyTls;
}

/** The proxy's TLS. */
export interface ProxyTls extends ProgramTls {
  /** Host name in each FL namespace's coordinators' certificates, by namespace, which the proxy checks for that namespace's routes. */
  readonly coordinatorNames: Readonly<Record<string, string>>;
  /** Common names of the client certificates admitted on the gRPC port (the task managers'). */
  readonly clientNames: readonly string[];
  /** DNS name in its own certificate that the task managers' tunnels check (nginx matches no IP address). */
  readonly name: string;
  /**
   * Other host names or addresses it is reached at from outside the cluster
   * (besides `externalAddress`'s), for its certificate.
   * @default none
   */
  readonly externalHosts?: readonly string[];
}

/**
 * A sidecar that has nginx load a renewed certificate: when the `ssl`
 * folder differs from what nginx last loaded, it sends SIGHUP to nginx's
 * master (found through the pod's shared process namespace: the `nginx`
 * process whose parent is not one) and checks that new workers started,
 * which nginx does only when the new files load; otherwise it says so and
 * tries again. Open connections finish on the old workers, and the
 * coordinators' routes survive, because nginx keeps `lua_shared_dict` zones
 * across reloads. It also reloads once after it starts, in case a renewal
 * came while it was down.
 */
function certificateReloader(context: PlatformContext, sslDir: string, mount: k8s.VolumeMount): k8s.Container {
  const files = SSL_FILES.map((f) => `${sslDir}/${f.path}`);
  const script = renderNginxReloadScript({ files, checkSeconds: TLS_CHECK_SECONDS, settleSeconds: RELOAD_SETTLE_SECONDS });
  // Root, like nginx's master: a signal needs the same user (no capability is added).
  return initContainer(context, 'tls-reload', script, [mount], true);
}

/** Seconds the proxy's certificate reloader gives nginx to start new workers after SIGHUP. */
const RELOAD_SETTLE_SECONDS = 5;

/** Loopback ports the gRPC server behind the TLS listener may use; the first not taken by the proxy's own ports. */
const LOOPBACK_PORTS = [10443, 10444, 10445];

/** The proxy: Deployment, internal and external Services, nginx.conf. */
export class Proxy extends Construct {
  /** Internal Service: gRPC for in-cluster clients, HTTP for route registration. */
  public readonly service: ProgramService;
  /** External Service: the gRPC port only, reachable from outside the cluster. */
  public readonly externalService: ProgramService;
  /** host:port at which sites outside the cluster reach the gRPC port, when configured. */
  public readonly externalAddress?: string;

  constructor(scope: Construct, id: string, props: ProxyProps) {
    super(scope, id);
    const { context, expose } = props;
    this.externalAddress = props.externalAddress;
    const selectorHost = props.selector.fqdn;
    const innerPort = LOOPBACK_PORTS.find((p) => p !== props.grpcPort && p !== props.httpPort)!;
    const ssl = props.tls && sslFolder(props.tls.secretName);
    const nginxConf = renderNginxConf({
      grpcPort: props.grpcPort,
      httpPort: props.httpPort,
      selectorUpstream: `${selectorHost}:${props.selector.port('grpc')}`,
      sharedDictSize: props.sharedDictSize,
      clientMaxBodySize: props.clientMaxBodySize,
      tls: props.tls && { sslDir: ssl!.mount.mountPath, coordinatorNames: props.tls.coordinatorNames, clientNames: props.tls.clientNames, innerPort },
    });
    const dnsIP = props.dnsServiceIP;
    const workload = new ProgramWorkload(this, 'Workload', {
      context,
      component: COMPONENT.proxy,
      ports: [
        { name: 'grpc', port: props.grpcPort },
        { name: 'http', port: props.httpPort },
      ],
      externalService: {
        type: expose.type === 'ExternalIPs' ? 'ClusterIP' : expose.type,
        ports: [{ name: 'grpc', port: props.grpcPort, ...(expose.type === 'NodePort' ? { nodePort: expose.nodePort } : {}) }],
        externalIPs: expose.type === 'ExternalIPs' ? expose.externalIPs : undefined,
        annotations: expose.annotations,
      },
      configFiles: { 'nginx.conf': nginxConf },
      image: platformImage(context, proxyComponent.image, props.image),
      resources: props.resources,
      defaultResources: { requests: { cpu: '50m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      ...(ssl ? { sidecars: [certificateReloader(context, ssl.mount.mountPath, ssl.mount)] } : {}),
      // The image's own command and working directory (/nginx) are kept: the Lua path is relative to it.
      container: {
        // Not JOB_SCHEDULER_ADDRESS: with it the Lua start-up aborts before it reads its DNS server.
        env: [secretEnv('TOKEN', props.routeToken), ...env(props.env ?? {})],
        ...httpProbes('/api/v1/health', props.httpPort),
        // nginx's root master switches workers to an unprivileged user and chowns its temp folders.
        securityContext: securityContext({ root: true, add: ['CHOWN', 'SETGID', 'SETUID'] }),
        volumeMounts: [{ name: CONFIG_VOLUME, mountPath: NGINX_CONF, subPath: 'nginx.conf' }, ...(ssl ? [ssl.mount] : [])],
      },
      pod: {
        // The Lua code takes the first IPv4 address on the first line of
        // resolv.conf as its DNS server: make that line the cluster DNS.
        dnsPolicy: 'None',
        dnsConfig: { nameservers: [dnsIP] },
        // The certificate reloader signals nginx's master.
        ...(ssl ? { shareProcessNamespace: true } : {}),
        initContainers: [
          // nginx resolves the selector once at start and exits if it cannot.
          initContainer(context, 'wait-for-client-selector', `until nslookup ${selectorHost} ${dnsIP} >/dev/null 2>&1; do echo "waiting for ${selectorHost}"; sleep 2; done`),
        ],
        ...(ssl ? { volumes: [ssl.volume] } : {}),
      },
    });
    this.service = workload.service;
    this.externalService = workload.externalService!;
    if (props.tls) {
      const external = props.externalAddress === undefined ? [] : [hostOf(props.externalAddress)];
      const hosts = [props.tls.name, ...this.service.hostNames, ...this.externalService.hostNames, ...external, ...(props.tls.externalHosts ?? [])];
      // No restart after a renewal (it would drop the routes of running jobs): the sidecar reloads nginx.
      certificateOf(this, context, props.tls, { component: COMPONENT.proxy, hosts });
    }
  }
}

/** The proxy in the registry. */
export const proxyComponent = defineComponent({
  name: COMPONENT.proxy,
  image: 'nsfl-proxy',
  configKey: 'proxy',
  build: (scope, { model, built }) => {
    const { context, tls, namespaces, edge } = model;
    return new Proxy(scope, 'Proxy', {
      context,
      ...model.sections.proxy,
      dnsServiceIP: model.dnsServiceIP,
      selector: built(clientSelectorComponent).service,
      routeToken: built(secretsComponent).routeToken,
      tls: tls && {
        secretName: tls.proxySecret,
        issuance: tls.issuance,
        coordinatorNames: Object.fromEntries(namespaces.map((ns) => [ns, tls.coordinatorHost(ns)])),
        clientNames: [tls.taskManagerName, tls.edgeNodeName],
        name: tls.proxyHost,
        externalHosts: edge.settings.proxyAddress === undefined ? [] : [hostOf(edge.settings.proxyAddress)],
      },
    });
  },
  flows: (proxy, { built }) => {
    const me = platformPeer(COMPONENT.proxy);
    return [
      // Task managers outside the cluster reach the gRPC port through a NodePort, load balancer or external IP.
      { from: ANYWHERE, to: me, ports: tcp(proxy.service.port('grpc')) },
      // The proxy's /ClientService upstream.
      { from: me, to: platformPeer(COMPONENT.clientSelector), ports: tcp(built(clientSelectorComponent).service.port('grpc')) },
    ];
  },
});
