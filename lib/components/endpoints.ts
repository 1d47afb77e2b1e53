/**
 * Where users and sites reach the platform from outside the cluster, in one
 * ConfigMap (`kubectl get configmap <name>-endpoints -o yaml`): the address
 * for the platform CLI's API calls, the S3 endpoint it uploads to, and the
 * proxy address task managers outside the cluster use.
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
        'api-gateway': config.apiGateway.enabled
          ? `http://${config.apiGateway.host ?? '<ingress controller address>'}`
          : 'disabled (apiGateway.enabled is false)',
        's3-endpoint': o.type === 'embedded' ? `${anyCloudNode}:${o.nodePort}` : o.external!.endpoint,
        'proxy-grpc': config.proxy.externalAddress ?? (config.proxy.expose.type === 'NodePort' ? `${anyCloudNode}:${config.proxy.expose.nodePort}` : '<the external Service address>'),
      },
    });
  }
}
