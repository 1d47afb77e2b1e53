/**
 * Where users and sites reach the platform from outside the cluster, in one
 * ConfigMap (`kubectl get configmap <name>-endpoints -o yaml`): the values of
 * the platform CLI's `--api-server` (host:port, no scheme: the CLI adds
 * `http://`) and `--data-server` (the S3 URL, with its scheme: boto3 needs
 * it), and the proxy address task managers outside the cluster use.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { COMPONENT, labels, resourceName } from '../labels';
import type { PlatformContext } from '../resolve/context';
import { defineComponent } from '../blocks/define';
import { apiServerFlow, databaseFlow, platformPeer } from '../network/flows';
import { databaseComponent, databaseEndpoint } from './database';

/** Props of {@link ClientEndpoints}. */
export interface ClientEndpointsProps {
  /** Names, labels and namespace of the platform instance. */
  readonly context: PlatformContext;
  /**
   * The API gateway: its kind (for the placeholder of its address) and host names (the first is its address).
   * @default disabled
   */
  readonly apiGateway?: { readonly type: 'httpRoute' | 'ingress'; readonly hostnames: readonly string[] };
  /** Where users upload to: the embedded endpoint's NodePort, or an external endpoint's URL. */
  readonly objectStorage: { readonly nodePort: number } | { readonly endpoint: string };
  /** Where sites outside the cluster reach the proxy's gRPC port: its known address, or its NodePort. */
  readonly proxy: { readonly externalAddress?: string; readonly nodePort?: number };
}

/** The endpoints ConfigMap. */
export class ClientEndpoints extends Construct {
  constructor(scope: Construct, id: string, props: ClientEndpointsProps) {
    super(scope, id);
    const { context, apiGateway, objectStorage: o, proxy } = props;
    const anyCloudNode = '<any cloud node address>';
    new k8s.KubeConfigMap(this, 'Resource', {
      metadata: { name: resourceName(context, 'endpoints'), namespace: context.namespace, labels: labels(context, COMPONENT.setup) },
      data: {
        // `nsfl-ctl set config --api-server`: host[:port]; the CLI prepends http:// itself.
        'api-server': apiGateway ? (apiGateway.hostnames[0] ?? (apiGateway.type === 'httpRoute' ? '<gateway address>' : '<ingress controller address>')) : 'disabled (apiGateway.enabled is false)',
        // `nsfl-ctl set config --data-server`: a URL with its scheme; the CLI hands it to boto3 unchanged.
        'data-server': 'endpoint' in o ? o.endpoint : `http://${anyCloudNode}:${o.nodePort}`,
        'proxy-grpc': proxy.externalAddress ?? (proxy.nodePort !== undefined ? `${anyCloudNode}:${proxy.nodePort}` : '<the external Service address>'),
      },
    });
  }
}

/**
 * The set-up objects in the registry. Their Jobs come with what they set up
 * (the Secrets, the database); what is built in registry order is the
 * wiring: the endpoints ConfigMap.
 */
export const setupComponent = defineComponent({
  name: COMPONENT.setup,
  build: (scope, { model }) => {
    const { context, apiGateway, objectStorage } = model;
    const proxy = model.sections.proxy;
    return new ClientEndpoints(scope, 'Endpoints', {
      context,
      apiGateway: apiGateway.enabled ? apiGateway : undefined,
      objectStorage: objectStorage.type === 'embedded' ? { nodePort: objectStorage.nodePort } : { endpoint: objectStorage.external!.endpoint },
      proxy: { externalAddress: proxy.externalAddress, nodePort: proxy.expose.type === 'NodePort' ? proxy.expose.nodePort : undefined },
    });
  },
  // The set-up Jobs: the database's creates the tables, every one calls the Kubernetes API.
  flows: (_, { model, built }) => {
    const me = platformPeer(COMPONENT.setup);
    return [databaseFlow(me, databaseEndpoint(built(databaseComponent))), apiServerFlow(me, model.networkPolicies.apiServerPorts)];
  },
});
