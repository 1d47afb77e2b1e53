/**
 * Config validation: every error says file, line, column, field path, what
 * was expected and what was found, and all errors come at once.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, formatIssue } from '../lib/config/errors';
import { platformConfigSchema } from '../lib/config/components';
import { platformJsonSchemaText } from '../lib/config/json-schema';
import { configReferenceMarkdown } from '../lib/config/reference';
import { REGISTRY } from '../lib/registry';
import { parseConfig } from '../lib/load';
import { REFERENCE_MARKERS, REFERENCE_PAGE } from '../scripts/reference-page';
import { DEFAULT_CONFIG, ROOT, withOverrides } from './support/platform';

/** The formatted errors (and warnings) of a config text; [] when it is valid. */
function problems(text: string): string[] {
  try {
    const { warnings } = parseConfig(text, 'platform.yaml');
    return warnings.map(formatIssue);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map(formatIssue);
    throw e;
  }
}

test('the bundled config is valid', () => {
  expect(problems(DEFAULT_CONFIG).filter((p) => p.includes(': error:'))).toEqual([]);
});

test('errors point at the line and column of the offending value', () => {
  const text = ['name: nsfl', 'proxy:', '  grpcPort: 0', '  httpPort: "x"', ''].join('\n');
  expect(problems(text)).toEqual([
    'platform.yaml:3:13: error: proxy.grpcPort: must be a port number from 1 to 65535, found number 0',
    'platform.yaml:4:13: error: proxy.httpPort: expected number, found string "x"',
  ]);
});

test('unknown keys are errors at the key itself', () => {
  expect(problems('name: nsfl\njobScheduler:\n  portt: 8088\n')).toEqual([
    'platform.yaml:3:3: error: jobScheduler.portt: unknown field "portt" (not in the schema; check its spelling and place)',
  ]);
});

test('enums list what is allowed', () => {
  expect(problems('database:\n  type: mysql\n')).toEqual([
    'platform.yaml:2:9: error: database.type: expected one of "embedded", "postgreSQL", "mongo", found string "mysql"',
  ]);
});

test('a missing required field points at its parent', () => {
  expect(problems('modelStorage:\n  type: s3\n  s3:\n    credentials: { name: s3 }\n')).toEqual([
    'platform.yaml:3:3: error: modelStorage.s3.endpoint: missing required field `endpoint`',
  ]);
});

test.each([
  [{ name: 'NSFL' }, 'name: must be a DNS-1035 label'],
  [{ name: '1abc' }, 'name: must be a DNS-1035 label: lower-case letters, digits and "-", starting with a letter'],
  [{ namespace: 'fl_ns' }, 'namespace: must be a DNS-1123 label'],
  [{ proxy: { expose: { nodePort: 8080 } } }, 'proxy.expose.nodePort: must be in the NodePort range 30000-32767, found number 8080'],
  [{ sharedRoot: { hostPath: 'mnt/fl' } }, 'sharedRoot.hostPath: must be an absolute path'],
  [{ sharedRoot: { hostPath: '/mnt/fl/' } }, 'sharedRoot.hostPath: must not end with "/"'],
  [{ sharedRoot: { modelsDir: 'a/b' } }, 'sharedRoot.modelsDir: must be a single folder name'],
  [{ images: { coordinator: 'Bad Image!' } }, 'images.coordinator: must be an image reference'],
  [{ proxy: { externalAddress: 'http://proxy:30091' } }, 'proxy.externalAddress: no scheme: drop "http://" (expected host:port, e.g. 203.0.113.10:30091)'],
  [{ modelStorage: { type: 's3', s3: { endpoint: 'http://minio:99999', credentials: { name: 'x' } } } }, 'modelStorage.s3.endpoint: port 99999 is not from 1 to 65535'],
  [{ cluster: { dnsServiceIP: '10.96.0' } }, 'cluster.dnsServiceIP: "10.96.0" is not an IPv4 address: expected four numbers 0-255, e.g. 10.96.0.10'],
  [{ jobScheduler: { resources: { limits: { memory: 'lots' } } } }, 'jobScheduler.resources.limits.memory: must be a Kubernetes quantity'],
])('single-field rule %#: %s', (overrides, message) => {
  expect(problems(withOverrides(overrides)).join('\n')).toContain(message);
});

test.each([
  [{ images: { tag: 'latest' } }, 'images.tag: the mutable tag "latest" is refused'],
  [{ proxy: { image: 'registry.example.com/nsfl-proxy' } }, 'proxy.image: image "registry.example.com/nsfl-proxy" uses the mutable tag "latest" (no tag given)'],
  [{ jobScheduler: { port: 8001 } }, 'apiProxy.port: port 8001 of the API proxy sidecar (apiProxy.port) is already used by the job scheduler (jobScheduler.port) in the same pod'],
  [{ proxy: { httpPort: 30091 } }, 'proxy.httpPort: port 30091 of the proxy HTTP port (proxy.httpPort) is already used by the proxy gRPC port (proxy.grpcPort)'],
  [{ objectStorage: { nodePort: 30091 } }, 'objectStorage.nodePort: NodePort 30091 is already used by proxy.expose.nodePort'],
  [{ database: { type: 'postgreSQL' } }, 'database.external: database.type is "postgreSQL": set database.external'],
  [{ database: { type: 'postgreSQL', external: { address: 'mongodb://db:5432', credentials: { name: 'db' } } }, edge: { databaseAddress: 'db.example.com:5432' } }, 'database.external.address: database.type is postgreSQL, whose addresses must be exactly host:port'],
  [{ modelStorage: { type: 's3' } }, 'modelStorage.s3: modelStorage.type is "s3"'],
  [{ gitops: { argocd: { repoURL: null } } }, 'gitops.argocd.repoURL: gitops.argocd.enabled is true: set the repoURL'],
  [{ jobScheduler: { env: { TOKEN: 'x' } } }, 'jobScheduler.env.TOKEN: TOKEN is set by the generator'],
  [{ proxy: { expose: { type: 'ExternalIPs' } } }, 'proxy.expose.externalIPs: proxy.expose.type is "ExternalIPs": list at least one address'],
])('cross-field rule %#: %s', (overrides, message) => {
  expect(problems(withOverrides(overrides)).join('\n')).toContain(message);
});

test('`latest` is accepted when the config says so', () => {
  expect(problems(withOverrides({ images: { tag: 'latest', allowLatest: true } })).filter((p) => p.includes('error'))).toEqual([]);
});

test('all errors are reported at once, each with its own line', () => {
  const text = withOverrides({ name: 'Bad', proxy: { grpcPort: -1 }, apiGateway: { ingressClass: 'nginx' } });
  const found = problems(text);
  expect(found).toHaveLength(3);
  for (const p of found) expect(p).toMatch(/^platform\.yaml:\d+:\d+: error: /);
});

test('shape errors and cross-field errors are reported together', () => {
  const text = withOverrides({
    jobScheduler: { prot: 1 },
    proxy: { httpPort: 'x' },
    edge: { nodes: [{ name: 'a', address: '192.0.2.1' }, { name: 'a', address: '192.0.2.2' }] },
  });
  const found = problems(text);
  expect(found).toEqual([
    expect.stringMatching(/:\d+:\d+: error: jobScheduler\.prot: unknown field "prot"/),
    expect.stringMatching(/:\d+:\d+: error: proxy\.httpPort: expected number, found string "x"/),
    expect.stringMatching(/:\d+:\d+: error: edge\.nodes\[1\]\.name: node name "a" is already used by edge\.nodes\[0\]/),
  ]);
});

test('invalid YAML gives its line', () => {
  expect(problems('proxy:\n  grpcPort: [1, 2\n')[0]).toMatch(/^platform\.yaml:\d+:\d+: error: invalid YAML: /);
});

test('an empty file is the all-defaults config, which needs a real proxy address only for edge nodes', () => {
  expect(problems('').filter((p) => p.includes('error'))).toEqual([]);
});

describe('generated artifacts are current', () => {
  // What `npm run schema` writes from: the schema with the sections the registered components bring.
  const registered = platformConfigSchema(REGISTRY);

  test('schema/platform.schema.json is what `npm run schema` writes', () => {
    expect(fs.readFileSync(path.join(ROOT, 'schema', 'platform.schema.json'), 'utf8')).toBe(platformJsonSchemaText(registered));
  });

  test('the config reference in docs/configuration.md is what `npm run schema` writes', () => {
    const page = fs.readFileSync(path.join(ROOT, REFERENCE_PAGE), 'utf8');
    const [start, end] = REFERENCE_MARKERS;
    const between = page.slice(page.indexOf(start) + start.length, page.indexOf(end));
    expect(between).toBe(`\n${configReferenceMarkdown(registered)}`);
  });

  test('the JSON Schema rejects unknown keys and documents defaults', () => {
    const schema = JSON.parse(platformJsonSchemaText());
    // Shared blocks are written once under $defs: follow a reference where there is one.
    const at = (node: any): any => {
      if (!node.$ref) return node;
      const { $ref, ...beside } = node; // a default or description may stand beside the reference
      return { ...at(schema.$defs[$ref.replace('#/$defs/', '')]), ...beside };
    };
    expect(schema.additionalProperties).toBe(false);
    expect(at(at(at(schema.properties.proxy).properties.grpcPort)).default).toBe(30091);
    expect(at(at(at(schema.properties.edge).properties.nodes).items).required).toEqual(expect.arrayContaining(['name', 'address']));
    // Every reference resolves.
    const refs = JSON.stringify(schema).match(/"\$ref":"[^"]*"/g) ?? [];
    for (const ref of new Set(refs)) expect(schema.$defs[JSON.parse(`{${ref}}`).$ref.replace('#/$defs/', '')]).toBeDefined();
  });
});
