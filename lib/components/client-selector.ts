/**
 * The client selector: a gRPC service that keeps the registry of task
 * managers and picks clients for jobs. Reads a JSON config file.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { Config } from '../config/schema';
import { platformImage } from '../images';
import { labels, resourceName } from '../labels';
import { renderSelectorConfig } from '../render/selector-config';
import { env, resources, securityContext, tcpProbes } from './pod';
import { ProgramService, singletonDeployment } from './workload';

/** Where the config file is mounted. */
const CONFIG_DIR = '/etc/nsfl';
const CONFIG_FILE = 'selector.json';

/** The client selector: Deployment, Service and its config file. */
export class ClientSelector extends Construct {
  /** The Service other components address it by. */
  public readonly service: ProgramService;

  constructor(scope: Construct, id: string, config: Config) {
    super(scope, id);
    const c = config.clientSelector;
    const name = resourceName(config, 'client-selector');
    this.service = new ProgramService(this, 'Service', { config, name, component: 'client-selector', ports: [{ name: 'grpc', port: c.port }] });

    const configJson = renderSelectorConfig({ port: c.port, authClient: c.authClient, optimalSelect: c.optimalSelect, strategy: c.strategy });
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name, namespace: config.namespace, labels: labels(config, 'client-selector') },
      data: { [CONFIG_FILE]: configJson },
    });

    singletonDeployment(this, 'Deployment', {
      config,
      name,
      component: 'client-selector',
      configFiles: [configJson],
      pod: {
        containers: [
          {
            name: 'client-selector',
            image: platformImage(config, 'nsfl-selector', c.image),
            imagePullPolicy: config.images.pullPolicy,
            // The log level in the file is ignored: logging is set up before the file is read.
            command: ['python3.7', '-m', 'neursafe_fl.python.selector.app', '--config_file', `${CONFIG_DIR}/${CONFIG_FILE}`, '--log_level', c.logLevel],
            ports: this.service.containerPorts(),
            env: env({ SINGLE_HEART: c.singleHeartbeat, CLUSTER_HEART: c.clusterHeartbeat, ...c.env }),
            ...tcpProbes(c.port),
            resources: resources(c.resources, { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } }),
            securityContext: securityContext({ root: true }),
            volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }],
          },
        ],
        volumes: [{ name: 'config', configMap: { name } }],
      },
    });
  }
}
