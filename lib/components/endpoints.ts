/**
 * Where users and sites reach the platform from outside the cluster, in one
 * ConfigMap (`kubectl get configmap <name>-endpoints -o yaml`): the values of
 * the platform CLI's `--api-server` (host:port, no scheme: the CLI adds
 * `http://`) and `--data-server` (the S3 URL, with its scheme: boto3 needs
 * it), and the proxy address task managers outside the cluster use.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { Config } from '../config/schema';
import { labels, resourceName } from '../labels';

/** The endpoints ConfigMap. */
export class ClientEndpoints extends Construct {
  constructor(scope: Construct, id: string, config: Config) {
    super(scope, id);
    const o = config.objectStorage;
    const anyCloudNode = '<any cloud node address>';
    new k8s.KubeConfigMap(this, 'Resource', {
      metadata: { name: resourceName(config, 'endpoints'), namespace: config.namespace, labels: labels(config, 'setup') },
      data: {
        // `nsfl-ctl set config --api-server`: host[:port]; the CLI prepends http:// itself.
        'api-server': config.apiGateway.enabled ? (config.apiGateway.host ?? (config.apiGateway.type === 'httpRoute' ? '<gateway address>' : '<ingress controller address>')) : 'disabled (apiGateway.enabled is false)',
        // `nsfl-ctl set config --data-server`: a URL with its scheme; the CLI hands it to boto3 unchanged.
        'data-server': o.type === 'embedded' ? `http://${anyCloudNode}:${o.nodePort}` : o.external!.endpoint,
        'proxy-grpc': config.proxy.externalAddress ?? (config.proxy.expose.type === 'NodePort' ? `${anyCloudNode}:${config.proxy.expose.nodePort}` : '<the external Service address>'),
      },
    });
  }
}
