/**
 * Adding a component is one file plus one registry entry (docs/developing.md):
 * the sample aggregator (test/fixtures/aggregator.ts), entered in the tests'
 * own registry, shows up wherever a registered component does.
 */
import { App } from 'cdk8s';
import { stringify } from 'yaml';
import { ConfigError, NeursafePlatform, parseConfig, platformComponents, platformConfigSchema, REGISTRY } from '../../lib';
import { platformJsonSchema } from '../../lib/config/json-schema';
import { defineComponent } from '../../lib/blocks/define';
import { componentSection, port } from '../../lib/config/schema';
import { aggregatorComponent } from '../fixtures/aggregator';
import { DEFAULT_CONFIG, synth, withOverrides } from '../support/platform';

/** The tests' registry: the registered components plus the aggregator. */
const components = [aggregatorComponent];

const BASE = { cluster: { dnsServiceIP: '10.96.0.10' }, proxy: { externalAddress: '10.0.0.10:30091' } };

/** The config errors of `config` (as `path: message`), checked with the aggregator registered. */
function errors(config: Record<string, unknown>, options = { components }): string[] {
  try {
    parseConfig(stringify(config), 'platform.yaml', options);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

describe('a component added as one file plus one registry entry', () => {
  const out = synth(withOverrides({ aggregator: { port: 8071, env: { BATCH: '8' } } }), 'platform.yaml', { components });

  test('its objects are in the platform file, with its component label and its image from images.registry and images.tag', () => {
    const deployment = out.get('Deployment', 'nsfl-aggregator');
    const service = out.get('Service', 'nsfl-aggregator');
    expect(out.objects.find((o) => o.obj === deployment)!.file).toBe('20-platform.k8s.yaml');
    for (const obj of [deployment, service]) expect(obj.metadata.labels['app.kubernetes.io/component']).toBe('aggregator');
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe('docker.io/neursafe/nsfl-aggregator:0.1.0');
    expect(container.env).toEqual(expect.arrayContaining([{ name: 'PORT', value: '8071' }, { name: 'BATCH', value: '8' }]));
    expect(service.spec.ports).toEqual([expect.objectContaining({ name: 'http', port: 8071 })]);
  });

  test('it is built after the registered components; they are unchanged', () => {
    const plain = synth(DEFAULT_CONFIG);
    const names = (s: typeof out) => s.objects.filter((o) => o.file === '20-platform.k8s.yaml').map((o) => `${o.obj.kind}/${o.obj.metadata.name}`);
    expect(names(out).slice(0, names(plain).length)).toEqual(names(plain));
    expect(names(out).slice(names(plain).length)).toEqual(['Service/nsfl-aggregator', 'Deployment/nsfl-aggregator']);
  });

  test('its section defaults when left out, and is an unknown field when it is not registered', () => {
    const deployment = synth(DEFAULT_CONFIG, 'platform.yaml', { components }).get('Deployment', 'nsfl-aggregator');
    expect(deployment.spec.template.spec.containers[0].ports).toEqual([expect.objectContaining({ containerPort: 8070 })]);
    expect(errors({ ...BASE, aggregator: {} }, { components: [] })).toEqual(['aggregator: unknown field "aggregator" (not in the schema; check its spelling and place)']);
  });

  test('a bad value in its section is reported at its field path', () => {
    expect(errors({ ...BASE, aggregator: { port: 'eighty' } })).toEqual(['aggregator.port: expected number, found string "eighty"']);
    expect(errors({ ...BASE, aggregator: { prot: 80 } })).toEqual(['aggregator.prot: unknown field "prot" (not in the schema; check its spelling and place)']);
  });

  test('the per-component rules check its image and env', () => {
    const found = errors({ ...BASE, aggregator: { image: 'registry.example.com/aggregator:latest', env: { DB_ADDRESS: 'x' } } });
    expect(found).toEqual([
      expect.stringMatching(/^aggregator\.image: image "registry.example.com\/aggregator:latest" uses the mutable tag "latest"/),
      'aggregator.env.DB_ADDRESS: DB_ADDRESS is set by the generator from the rest of the config and cannot be overridden here',
    ]);
  });

  test('its section is in the JSON Schema, after the built-in ones', () => {
    const schema = platformJsonSchema(platformConfigSchema(platformComponents(components))) as any;
    expect(Object.keys(schema.properties).at(-1)).toBe('aggregator');
    expect(schema.properties.aggregator.properties.port).toMatchObject({ type: 'integer', default: 8070, description: 'HTTP port (PORT).' });
    expect(schema.additionalProperties).toBe(false);
    expect(schema.description).toBe((platformJsonSchema() as any).description);
  });

  test('the NetworkPolicies allow the flows it declares', () => {
    const policy = out.get('NetworkPolicy', 'nsfl-aggregator');
    expect(policy.spec.podSelector.matchLabels['app.kubernetes.io/component']).toBe('aggregator');
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: expect.objectContaining({ 'app.kubernetes.io/component': 'job-scheduler' }) } }],
        ports: [{ port: 8071, protocol: 'TCP' }],
      },
    ]);
  });

  test('a library user passes it to NeursafePlatform', () => {
    const app = new App();
    const platform = new NeursafePlatform(app, 'fl', { config: { ...BASE, aggregator: { port: 8072 } }, components });
    expect(platform.loaded.components).toEqual([...REGISTRY, aggregatorComponent]);
    const objects = app.charts.flatMap((c) => c.toJson());
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'nsfl-aggregator');
    expect(deployment.spec.template.spec.containers[0].ports).toEqual([expect.objectContaining({ containerPort: 8072 })]);
    expect(() => new NeursafePlatform(new App(), 'fl', { config: { ...BASE, aggregator: { port: 0 } }, components })).toThrow(ConfigError);
  });
});

describe('the registry refuses what would be ambiguous', () => {
  const section = componentSection({ port: port.default(1) }, 'A section.');

  test('a section at a key the schema already has', () => {
    const clash = defineComponent({ name: 'other-proxy', configKey: 'proxy', section });
    expect(() => parseConfig('', 'platform.yaml', { components: [clash] })).toThrow('component "other-proxy": the config key "proxy" is already taken');
  });

  test('a name already registered', () => {
    expect(() => parseConfig('', 'platform.yaml', { components: [defineComponent({ name: 'proxy' })] })).toThrow('two components are named "proxy"');
  });

  test('a component built before what it uses', () => {
    const early = defineComponent({ name: 'early', build: () => 'built' });
    const needsLater = defineComponent({ name: 'needs-later', build: (_scope, { built }) => built(early) });
    expect(() => new NeursafePlatform(new App(), 'fl', { config: BASE, components: [needsLater, early] })).toThrow(
      'component "early" is not built yet: list it before the components that use it',
    );
  });
});
