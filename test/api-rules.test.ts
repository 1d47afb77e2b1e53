/**
 * The output checker catches what the API server refuses beyond the OpenAPI
 * schema, so a generator bug cannot hide behind it.
 */
import { apiRuleViolations } from './support/api-rules';

/** A valid Deployment; tests edit copies of it. */
function deployment(): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nsfl-proxy', namespace: 'neursafe-fl', labels: { app: 'proxy' }, annotations: { 'checksum/config': 'abc' } },
    spec: {
      selector: { matchLabels: { app: 'proxy' } },
      template: {
        metadata: { labels: { app: 'proxy' } },
        spec: {
          tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }],
          containers: [
            {
              name: 'proxy',
              image: 'proxy:1',
              ports: [{ name: 'grpc', containerPort: 30091 }, { name: 'http', containerPort: 30092 }],
              env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'nsfl-route-token', key: 'token' } } }],
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: 1, memory: '1Gi' } },
              readinessProbe: { tcpSocket: { port: 30091 } },
              volumeMounts: [{ name: 'config', mountPath: '/nginx/conf' }, { name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'config', configMap: { name: 'nsfl-proxy' } }, { name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

const service = (name: string, spec: object): any => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });

test('a valid Deployment, Service, ConfigMap and Ingress pass', () => {
  expect(apiRuleViolations(deployment())).toEqual([]);
  expect(apiRuleViolations(service('nsfl-proxy', { type: 'NodePort', ports: [{ name: 'grpc', port: 30091, targetPort: 'grpc', nodePort: 30091 }] }))).toEqual([]);
  expect(apiRuleViolations({ kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'nginx.conf': 'x' } })).toEqual([]);
  expect(apiRuleViolations({ kind: 'Ingress', metadata: { name: 'i' }, spec: { ingressClassName: 'nginx', rules: [{ host: '*.example.com' }] } })).toEqual([]);
});

test('pod rules: ports, mounts, env names, requests above limits, tolerations', () => {
  const d = deployment();
  const c = d.spec.template.spec.containers[0];
  c.ports.push({ name: 'grpc', containerPort: 70000 });
  c.volumeMounts.push({ name: 'data', mountPath: '/tmp' });
  c.env.push({ name: '1BAD=', value: 'x' });
  c.resources.requests.memory = '2Gi';
  d.spec.template.spec.tolerations.push({ operator: 'Exists', value: 'x' }, { key: 'k', operator: 'Equal', value: 'v', tolerationSeconds: 5 });
  const at = '/spec/template/spec';
  expect(apiRuleViolations(d)).toEqual([
    `Deployment/nsfl-proxy: ${at}/containers/0/ports/2/containerPort: port 70000 is not in 1-65535`,
    `Deployment/nsfl-proxy: ${at}/containers/0/ports/2/name: port name "grpc" is used twice in the container`,
    `Deployment/nsfl-proxy: ${at}/containers/0/volumeMounts/2/name: no volume named "data" in the pod`,
    `Deployment/nsfl-proxy: ${at}/containers/0/volumeMounts/2/mountPath: "/tmp" is mounted twice in the container`,
    `Deployment/nsfl-proxy: ${at}/containers/0/env/1/name: "1BAD=" is not a valid environment variable name`,
    `Deployment/nsfl-proxy: ${at}/containers/0/resources/requests/memory: request 2Gi is above the limit 1Gi`,
    `Deployment/nsfl-proxy: ${at}/tolerations/1/value: must be empty when operator is Exists; drop value, or use operator: Equal`,
    `Deployment/nsfl-proxy: ${at}/tolerations/2/tolerationSeconds: is only allowed with effect: NoExecute (it is how long a pod stays after such a taint)`,
  ]);
});

test('names, labels and sizes', () => {
  expect(apiRuleViolations(service('1proxy', { ports: [{ port: 80 }] }))).toEqual(['Service/1proxy: /metadata/name: "1proxy" is not a DNS-1035 label (Service names start with a letter, at most 63 ' +
    'characters)']);
  const d = deployment();
  d.metadata.labels['bad key!'] = 'x';
  d.metadata.annotations.big = 'x'.repeat(256 * 1024);
  expect(apiRuleViolations(d)).toEqual([
    'Deployment/nsfl-proxy: /metadata/labels/bad key!: label key is not a qualified name',
    'Deployment/nsfl-proxy: /metadata/annotations: annotations take 262165 bytes, more than 262144',
  ]);
  expect(apiRuleViolations({ kind: 'ConfigMap', metadata: { name: 'c' }, data: { '..x': 'y'.repeat(1024 * 1024) } })).toEqual([
    'ConfigMap/c: /data/..x: is not a valid data key',
    'ConfigMap/c: /data: ConfigMap data takes 1048579 bytes, more than 1048576 (1 MiB)',
  ]);
});

test('Service and Ingress rules', () => {
  expect(apiRuleViolations(service('s', { type: 'ClusterIP', externalIPs: ['127.0.0.1'], ports: [{ port: 80, nodePort: 8080 }, { name: 'a', port: 0 }] }))).toEqual([
    'Service/s: /spec/ports/0/nodePort: port 8080 is not in 30000-32767',
    'Service/s: /spec/ports/0/nodePort: not allowed for type ClusterIP',
    'Service/s: /spec/ports/0/name: required when a Service has several ports',
    'Service/s: /spec/ports/1/port: port 0 is not in 1-65535',
    'Service/s: /spec/externalIPs: "127.0.0.1" is not an IP address the API server accepts as an external IP',
  ]);
  expect(apiRuleViolations({ kind: 'Ingress', metadata: { name: 'i' }, spec: { ingressClassName: 'my class', rules: [{ host: '10.0.0.1' }] } })).toEqual([
    'Ingress/i: /spec/ingressClassName: "my class" is not a DNS-1123 subdomain',
    'Ingress/i: /spec/rules/0/host: "10.0.0.1" is not a DNS name (with an optional "*." first)',
  ]);
});
