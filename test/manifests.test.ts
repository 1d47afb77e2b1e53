/**
 * Every object the app writes is valid Kubernetes 1.28 (and Argo CD) with no
 * unknown fields, passes the API server's own rules the schema does not
 * carry, and keeps the platform's contract (unique task manager ports,
 * endpoint schemes, site folders, database roles and tables): for the
 * bundled config, every example, and a large fleet.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, synth, withOverrides } from './support/platform';
import { contractViolations } from './support/contract';
import { apiRuleViolations } from './support/api-rules';
import { validateManifest } from './support/k8s-schema';

/** Every schema error and API-rule violation of the synthesized objects, with their file. */
function problems(objects: readonly { file: string; obj: any }[]): string[] {
  return objects.flatMap(({ file, obj }) => [...validateManifest(obj), ...apiRuleViolations(obj)].map((e) => `${file}: ${e}`));
}

const examples = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml')).sort();

const cases: [string, () => string][] = [
  ['platform.yaml', () => fs.readFileSync(path.join(ROOT, 'platform.yaml'), 'utf8')],
  ...examples.map((f): [string, () => string] => [`examples/${f}`, () => fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8')]),
  ['sidecar API access on the edge', () => withOverrides({ edge: { apiAccess: { mode: 'sidecar', server: 'https://203.0.113.10:6443' } } })],
  ['an Ingress instead of the HTTPRoute', () => withOverrides({ apiGateway: { type: 'ingress', hostnames: ['fl.example.com'], dataPlane: { namespace: 'ingress-nginx',
    podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } } })],
  ['external MongoDB, s3 models, LoadBalancer proxy', () =>
    withOverrides({
      database: { type: 'mongo', embedded: null, external: { address: 'mongodb://db.example.com:27017/fl', credentials: { name: 'db' } } },
      modelStorage: { type: 's3', s3: { endpoint: 'http://s3.example.com:9000', credentials: { name: 's3' } } },
      objectStorage: { type: 'external', external: { endpoint: 'https://s3.example.com', deniesCoordinatorFolder: true } },
      proxy: { expose: { type: 'LoadBalancer', annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' } } },
      edge: { databaseAddress: 'mongodb://db.example.com:27017/fl' },
    })],
];

test('there are examples to check', () => {
  expect(examples.length).toBeGreaterThanOrEqual(2);
});

test.each(cases)('%s: every object validates against the Kubernetes 1.28, Argo CD and Gateway API schemas and the API server rules, and the platform contract holds', (_name, text) => {
  const out = synth(text());
  expect(out.objects.length).toBeGreaterThan(20);
  expect(problems(out.objects)).toEqual([]);
  expect(contractViolations(out)).toEqual([]);
});

// 200 nodes: several per shard folder and ports allocated far past the first; more nodes prove nothing more
// (the synth speed at fleet scale is the benchmark's, docs/performance.md).
test('a 200-node fleet validates, passes the API server rules, and the platform contract holds', () => {
  const nodes = Array.from({ length: 200 }, (_, i) => ({ name: `n${i}`, address: `10.1.${Math.floor(i / 100)}.${i % 100}` }));
  const out = synth(withOverrides({ edge: { nodes } }));
  expect(problems(out.objects)).toEqual([]);
  expect(contractViolations(out)).toEqual([]);
});
