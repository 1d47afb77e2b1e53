/**
 * Property-based tests of the whole command: configs made from the bundled
 * one and the examples, with plausible good and bad values put in. Whatever
 * the config, `npm run synth` either writes output that passes the strict
 * schema and the API server's rules (exit 0), or prints only
 * `file:line:col: severity: path: message` lines, leaves the output folder
 * untouched and exits 1. Never a stack trace. Runs are few and seeded, so
 * the file takes seconds and fails the same way every time.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { main } from '../main';
import { MARKER, MARKER_TEXT } from '../lib/outdir/folder';
import { GENERATED_HEADER } from '../lib/synth';
import { apiRuleViolations } from './support/api-rules';
import { validateManifest } from './support/k8s-schema';
import { readTree } from './support/cli';
import { ROOT } from './support/platform';

/** The configs mutations start from: the bundled one and every example. */
const BASES: Record<string, unknown>[] = [
  path.join(ROOT, 'platform.yaml'),
  ...fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(ROOT, 'examples', f)),
].map((f) => parse(fs.readFileSync(f, 'utf8')) ?? {});

/** A field removed instead of set. */
const REMOVE = Symbol('remove');

/** Fields and the values tried in them: good ones, near misses and junk. */
const FIELDS: [string, fc.Arbitrary<unknown>][] = [
  ['name', fc.constantFrom('nsfl', 'fl-2', '1abc', 'NSFL', 'a'.repeat(41), '', REMOVE)],
  ['namespace', fc.constantFrom('neursafe-fl', 'default', 'fl_ns', 'x'.repeat(64))],
  ['version', fc.constantFrom('0.2.0', 'v 1', '')],
  ['cluster.dnsServiceIP', fc.constantFrom('10.96.0.10', '300.1.1.1', '10.96.0', '10.96.0.010', 7)],
  ['sharedRoot.hostPath', fc.constantFrom('/mnt/fl', '/tmp', '/', 'relative', '/a/../b')],
  ['proxy.grpcPort', fc.integer({ min: -5, max: 70000 })],
  ['proxy.httpPort', fc.constantFrom(30092, 30091, 0, 65536, 1.5, '30092')],
  ['proxy.externalAddress', fc.constantFrom('203.0.113.10:30091', 'proxy.example.com:30091', 'http://x:30091', 'x:99999', 'x:abc', ':80', 'a b:80', '127.0.0.1:30091', 'localhost:1', 'x')],
  ['proxy.expose', fc.constantFrom(
    { type: 'ExternalIPs', externalIPs: ['203.0.113.5'] },
    { type: 'ExternalIPs', externalIPs: ['127.0.0.1'] },
    { type: 'ExternalIPs', externalIPs: ['300.1.1.1'] },
    { type: 'LoadBalancer', annotations: { 'example.com/lb': 'nlb' } },
    { type: 'LoadBalancer', annotations: { big: 'x'.repeat(300 * 1024) } },
    { type: 'NodePort', nodePort: 8080 },
  )],
  ['database.embedded.storageSize', fc.constantFrom('20Gi', 0, '0', 'lots', '-1', '1.5Ti', '500m')],
  ['database.embedded.storageClassName', fc.constantFrom('fast-ssd', 'my class', 'Fast', 'a.b')],
  ['database.embedded.edgeNodePort', fc.integer({ min: 29990, max: 32800 })],
  ['apiGateway.ingressClassName', fc.constantFrom('nginx', 'nginx internal', '', 'ingress.example.com')],
  ['apiGateway.hostnames', fc.array(fc.oneof(fc.constantFrom('fl.example.com', '*.example.com', '10.0.0.1', 'Bad Host'), fc.string({ maxLength: 12 })), { maxLength: 3 })],
  ['jobScheduler.resources', fc.constantFrom(
    { requests: { memory: '4Gi' } },
    { limits: { memory: '64Mi' } },
    { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } },
    { requests: { memory: '256m' } },
    { limits: { cpu: 0 } },
  )],
  ['routeToken', fc.constantFrom({ name: 'route-token' }, { name: 'route-token', key: '' }, { name: 'route-token', key: 'a/b' }, { key: 'token' })],
  ['gitops.argocd.repoURL', fc.constantFrom('https://git.example.com/a/b.git', 'git@git.example.com:a/b.git', 'not a url', 'https://h:99999/x', REMOVE)],
  ['taskManager.label', fc.constantFrom('site-a', 'x'.repeat(2000))],
  ['taskManager.dirs', fc.constantFrom({ lmdb: '/etc/neursafe-fl' }, { lmdb: '/data/a', workspace: '/data/a' }, { datasets: '/data/sets' }, { taskConfigs: '/tmp/t' })],
  ['jobScheduler.env', fc.constantFrom({ REPORT_PERIOD: '30' }, { BIG: 'x'.repeat(300 * 1024) }, { '1X': 'y' }, { TOKEN: 'x' })],
  ['clientSelector.strategy', fc.constantFrom({ accuracy: 1 }, { '': 1 }, { 'a b': 0.5 })],
  ['taskManager.clusterLabelKey', fc.constantFrom('example.com/site', 'Bad Key', 'kubernetes.io/hostname')],
  ['taskManager.clusterLabelValue', fc.constantFrom('edge-node-1', 'bad value!', '')],
  ['images.pullSecrets', fc.constantFrom(['regcred'], ['Bad'])],
  ['edge.apiAccess', fc.constantFrom(
    { mode: 'sidecar', server: 'https://169.254.30.10:10550' },
    { mode: 'sidecar', server: 'https://x:99999' },
    { mode: 'sidecar', server: 'https://x:abc' },
    { mode: 'sidecar', server: 'https://127.0.0.1:6443' },
    { mode: 'sidecar', server: 'http://api.example.com' },
    { mode: 'metaserver' },
  )],
  ['edge.databaseAddress', fc.constantFrom('203.0.113.10:30432', 'db host:5432', 'postgresql://db:5432', 'nsfl-database:5432', REMOVE)],
  ['edge.nodes.0.name', fc.oneof(fc.constantFrom('edge-a', 'Edge_A', 'a.b.c', 'x'.repeat(64), REMOVE), fc.string({ maxLength: 10 }))],
  ['edge.nodes.0.address', fc.oneof(fc.constantFrom('192.0.2.99', '300.1.1.1', '127.0.0.1', '0.0.0.0', 'edge.example.com', 'a b', 'nsfl-db', REMOVE), fc.ipV4())],
  ['edge.nodes.0.tolerations', fc.constantFrom(
    [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
    [{ operator: 'Exists', value: 'x' }],
    [{ operator: 'Equal', value: 'x' }],
    [{ key: 'k', tolerationSeconds: 5 }],
    [{ key: 'k', value: 'v', effect: 'NoExecute', tolerationSeconds: 5 }],
  )],
  ['edge.nodes.0.dirs', fc.constantFrom({ lmdb: '/tmp' }, { lmdb: '/a', workspace: '/a' }, { datasets: '/data/sets' }, { workspace: '/etc/neursafe-fl/w' })],
  ['edge.nodes.0.nodeLabels', fc.oneof(
    fc.constantFrom({ 'kubernetes.io/cluster_id': 'x' }, { rack: 'r1' }, { 'bad key': 'x' }, { 'kubernetes.io/hostname': 'other' }, { 'two\nlines': 'x' }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 2 }),
  )],
  ['proxy.expose.annotations', fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 2 })],
  ['edge.nodes.0.resources', fc.constantFrom({ requests: { memory: '1Gi' } }, { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } }, { limits: { cpu: '0' } })],
  ['edge.defaults.resources', fc.constantFrom({ limits: { memory: '64Mi' } }, { requests: { cpu: '1' } })],
  ['edge.nodes.1', fc.constantFrom({ name: 'edge-node-1', address: '192.0.2.50' }, { name: 'dup-address', address: '192.0.2.11' },
    { name: 'edge-node-9', address: '192.0.2.59', site: 'edge-node-1' })],
];

/** `obj` with the value at a dotted path set (or removed); numeric segments index lists. */
function setPath(obj: unknown, keys: readonly string[], value: unknown): unknown {
  const [key, ...rest] = keys;
  const index = /^[0-9]+$/.test(key) ? Number(key) : undefined;
  const container: any = index !== undefined ? (Array.isArray(obj) ? [...obj] : []) : obj && typeof obj === 'object' && !Array.isArray(obj) ? { ...obj } : {};
  const k = index ?? key;
  if (rest.length > 0) container[k] = setPath(container[k], rest, value);
  else if (value === REMOVE) delete container[k];
  else container[k] = value;
  return container;
}

const configs = fc
  .record({
    base: fc.constantFrom(...BASES),
    changes: fc.array(fc.oneof(...FIELDS.map(([field, values]) => values.map((value) => [field, value] as const))), { minLength: 1, maxLength: 3 }),
  })
  .map(({ base, changes }) => changes.reduce((c: unknown, [field, value]) => setPath(c, field.split('.'), value), base));

/** After the file name: `:line:col: severity: path: message`, the path dotted with [index] and ["quoted key"] parts. */
const LOCATED = /^:\d+:\d+: (error|warning): [A-Za-z_$][\w$-]*(\.[A-Za-z_$][\w$-]*|\[\d+\]|\["([^"\\]|\\.)*"\])*: \S/;


let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-props-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('exit 0 means valid output; exit 1 means located errors, no stack trace, output untouched', () => {
  let run = 0;
  const outcomes = { written: 0, rejected: 0 };
  fc.assert(
    fc.property(configs, (config) => {
      run += 1;
      const file = path.join(tmp, `config-${run}.yaml`);
      const outdir = path.join(tmp, `out-${run}`);
      fs.writeFileSync(file, stringify(config));
      fs.mkdirSync(outdir);
      // A folder synth wrote before (its marker), holding a file a failed run must leave alone.
      fs.writeFileSync(path.join(outdir, MARKER), MARKER_TEXT);
      fs.writeFileSync(path.join(outdir, 'previous.k8s.yaml'), `${GENERATED_HEADER}kept\n`);
      const lines: string[] = [];
      const code = main(['synth', '--config', file, '--outdir', outdir], (s) => lines.push(s), (s) => lines.push(s));
      const printed = lines.join('\n');
      expect(printed).not.toMatch(/internal error|\n\s+at /);
      if (code === 0) {
        outcomes.written += 1;
        const manifests = [...readTree(outdir)].filter(([f]) => f.endsWith('.yaml'));
        const problems = manifests.flatMap(([f, text]) =>
          parseAllDocuments(text).flatMap((doc) => {
            const obj = doc.toJS();
            return [...validateManifest(obj), ...apiRuleViolations(obj)].map((p) => `${f}: ${p}`);
          }),
        );
        expect(problems).toEqual([]);
      } else {
        outcomes.rejected += 1;
        expect(code).toBe(1);
        const [summary, ...issues] = [...lines].reverse();
        expect(summary).toMatch(/^\d+ errors? in .*; nothing was written\.$/);
        expect(issues.some((l) => l.includes(': error: '))).toBe(true);
        for (const line of issues) {
          expect({ line, located: line.startsWith(`${file}:`) && LOCATED.test(line.slice(file.length)) }).toEqual({ line, located: true });
        }
        expect([...readTree(outdir)]).toEqual([[MARKER, MARKER_TEXT], ['previous.k8s.yaml', `${GENERATED_HEADER}kept\n`]]);
      }
    }),
    { numRuns: 40, seed: 7 },
  );
  // The generator must exercise both outcomes.
  expect(outcomes.written).toBeGreaterThan(0);
  expect(outcomes.rejected).toBeGreaterThan(0);
});
