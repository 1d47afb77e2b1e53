/**
 * The proxy (OpenResty): task managers' single gRPC entry (to the client
 * selector and to per-job coordinators) and the internal route-registration
 * API the job scheduler calls.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { Config } from '../config/schema';
import { platformImage } from '../images';
import { labels, resourceName } from '../labels';
import { renderNginxConf } from '../render/nginx-conf';
import { httpProbes, initContainer, resources, secretEnv, SecretKeyRef, securityContext, env } from './pod';
import { ProgramService, singletonDeployment } from './workload';

/** Where the image expects its configuration. */
const NGINX_CONF = '/nginx/conf/nginx.conf';

/** What the proxy is wired to. */
export interface ProxyDeps {
  /** The client selector Service (the `/ClientService` upstream). */
  readonly selector: ProgramService;
  /** The route-registration token shared with the job scheduler. */
  readonly routeToken: SecretKeyRef;
}

/** The proxy: Deployment, internal and external Services, nginx.conf. */
export class Proxy extends Construct {
  /** Internal Service: gRPC for in-cluster clients, HTTP for route registration. */
  public readonly service: ProgramService;
  /** External Service: the gRPC port only, reachable from outside the cluster. */
  public readonly externalService: ProgramService;
  /** host:port at which sites outside the cluster reach the gRPC port, when configured. */
  public readonly externalAddress?: string;

  constructor(scope: Construct, id: string, config: Config, deps: ProxyDeps) {
    super(scope, id);
    const c = config.proxy;
    const name = resourceName(config, 'proxy');
    this.externalAddress = c.externalAddress;
    this.service = new ProgramService(this, 'Service', {
      config,
      name,
      component: 'proxy',
      ports: [
        { name: 'grpc', port: c.grpcPort },
        { name: 'http', port: c.httpPort },
      ],
    });
    const expose = c.expose;
    this.externalService = new ProgramService(this, 'ExternalService', {
      config,
      name: `${name}-external`,
      component: 'proxy',
      type: expose.type === 'ExternalIPs' ? 'ClusterIP' : expose.type,
      ports: [{ name: 'grpc', port: c.grpcPort, ...(expose.type === 'NodePort' ? { nodePort: expose.nodePort } : {}) }],
      externalIPs: expose.type === 'ExternalIPs' ? expose.externalIPs : undefined,
      annotations: expose.annotations,
    });

    const selectorHost = deps.selector.fqdn;
    const nginxConf = renderNginxConf({
      grpcPort: c.grpcPort,
      httpPort: c.httpPort,
      selectorUpstream: `${selectorHost}:${deps.selector.port('grpc')}`,
      sharedDictSize: c.sharedDictSize,
      clientMaxBodySize: c.clientMaxBodySize,
    });
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name, namespace: config.namespace, labels: labels(config, 'proxy') },
      data: { 'nginx.conf': nginxConf },
    });

    const dnsIP = config.cluster.dnsServiceIP;
    singletonDeployment(this, 'Deployment', {
      config,
      name,
      component: 'proxy',
      configFiles: [nginxConf],
      pod: {
        // The Lua code takes the first IPv4 address on the first line of
        // resolv.conf as its DNS server: make that line the cluster DNS.
        dnsPolicy: 'None',
        dnsConfig: { nameservers: [dnsIP] },
        initContainers: [
          // nginx resolves the selector once at start and exits if it cannot.
          initContainer(config, 'wait-for-client-selector', `until nslookup ${selectorHost} ${dnsIP} >/dev/null 2>&1; do echo "waiting for ${selectorHost}"; sleep 2; done`),
        ],
        containers: [
          {
            name: 'proxy',
            image: platformImage(config, 'nsfl-proxy', c.image),
            imagePullPolicy: config.images.pullPolicy,
            // The image's own command and working directory (/nginx) are kept: the Lua path is relative to it.
            ports: this.service.containerPorts(),
            // Not JOB_SCHEDULER_ADDRESS: with it the Lua start-up aborts before it reads its DNS server.
            env: [secretEnv('TOKEN', deps.routeToken), ...env(c.env)],
            ...httpProbes('/api/v1/health', c.httpPort),
            resources: resources(c.resources, { requests: { cpu: '50m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } }),
            // nginx's root master switches workers to an unprivileged user and chowns its temp folders.
            securityContext: securityContext({ root: true, add: ['CHOWN', 'SETGID', 'SETUID'] }),
            volumeMounts: [{ name: 'config', mountPath: NGINX_CONF, subPath: 'nginx.conf', readOnly: true }],
          },
        ],
        volumes: [{ name: 'config', configMap: { name } }],
      },
    });
  }
}
