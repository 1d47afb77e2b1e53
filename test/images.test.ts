/**
 * images.mirror, images.digests and `npm run images`: with a mirror, no
 * image reference of any example's output is outside it (containers, init
 * containers, the image environment variables, the cert-manager
 * Application's values), every image field of the JSON Schema is rewritten,
 * and the printed list is the output's.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { defaultPullPolicy, mirrorImage, mirrorRegistry } from '../lib/images';
import { parseConfig } from '../lib/load';
import { platformConfigSchema } from '../lib/config/components';
import { platformJsonSchema } from '../lib/config/json-schema';
import { REGISTRY } from '../lib/registry';
import { run } from './support/cli';
import { configErrors, ROOT, synth, withOverrides } from './support/platform';

const MIRROR = 'mirror.internal:5000/fl';
const CONFIGS = ['platform.yaml', ...fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml')).sort().map((f) => `examples/${f}`)];
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** The config with a mirror, and Argo CD's cert-manager Application on, so its values are checked too. */
const mirrored = (text: string) =>
  withOverrides({ images: { mirror: MIRROR }, gitops: { argocd: { enabled: true, repoURL: 'https://git.example.com/fl.git', certManager: { enabled: true } } } }, text);

/** Every image reference in the objects, found independently of lib/output-images.ts: containers, image env vars, Helm image values. */
function imagesOf(objects: readonly { obj: any }[]): string[] {
  const found = new Set<string>();
  const walk = (v: any, key?: string): void => {
    if (Array.isArray(v)) {
      if (key === 'containers' || key === 'initContainers') {
        for (const c of v) {
          found.add(c.image);
          for (const e of c.env ?? []) if (['COORDINATOR_IMAGE', 'CONTAINER_EXECUTOR_IMAGE'].includes(e.name)) found.add(e.value);
        }
      }
      v.forEach((x) => walk(x));
    } else if (v !== null && typeof v === 'object') {
      if (key === 'valuesObject') for (const part of [v, ...Object.values(v)] as any[]) if (part?.image?.repository) found.add(`${part.image.repository}:${part.image.tag}`);
      for (const [k, x] of Object.entries(v)) walk(x, k);
    }
  };
  objects.forEach((o) => walk(o.obj));
  return [...found].sort();
}

/** Every string of the objects. */
function stringsOf(v: any): string[] {
  if (typeof v === 'string') return [v];
  if (v === null || typeof v !== 'object') return [];
  return Object.values(v).flatMap(stringsOf);
}

describe('the mirror rule', () => {
  test.each([
    ['docker.io/library/busybox:1.36.1', `${MIRROR}/library/busybox:1.36.1`],
    ['busybox:1.36.1', `${MIRROR}/library/busybox:1.36.1`],
    ['docker.io/alpine/k8s:1.28.15', `${MIRROR}/alpine/k8s:1.28.15`],
    ['quay.io/minio/minio:RELEASE.2022-10-24T18-35-07Z', `${MIRROR}/minio/minio:RELEASE.2022-10-24T18-35-07Z`],
    ['localhost:5000/team/x:1', `${MIRROR}/team/x:1`],
    [`registry.example.com/a/b:1@sha256:${'a'.repeat(64)}`, `${MIRROR}/a/b:1@sha256:${'a'.repeat(64)}`],
    [`${MIRROR}/library/busybox:1`, `${MIRROR}/library/busybox:1`],
  ])('%s -> %s', (ref, want) => expect(mirrorImage(ref, MIRROR)).toBe(want));

  test.each([
    ['docker.io/neursafe', `${MIRROR}/neursafe`],
    ['neursafe', `${MIRROR}/neursafe`],
    ['registry.example.com', MIRROR],
    ['registry.example.com:5000/team/fl', `${MIRROR}/team/fl`],
    [`${MIRROR}/neursafe`, `${MIRROR}/neursafe`],
  ])('registry %s -> %s', (registry, want) => expect(mirrorRegistry(registry, MIRROR)).toBe(want));
});

describe.each(CONFIGS)('%s with images.mirror', (file) => {
  const out = synth(mirrored(read(file)), file);
  const images = imagesOf(out.objects);

  test('every image reference is under the mirror', () => {
    expect(images.length).toBeGreaterThan(5);
    expect(images.filter((ref) => !ref.startsWith(`${MIRROR}/`))).toEqual([]);
  });

  test('no other registry is named anywhere in the output', () => {
    const elsewhere = out.objects.flatMap((o) => stringsOf(o.obj)).filter((s) => /(^|[\s/"'])(docker\.io|quay\.io|ghcr\.io|registry\.k8s\.io)\//.test(s));
    expect(elsewhere).toEqual([]);
  });

  test('`npm run images` prints exactly the output\'s references', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-images-'));
    const config = path.join(dir, 'platform.yaml');
    fs.writeFileSync(config, mirrored(read(file)));
    const r = run(['images', '--config', config, '--outdir', path.join(dir, 'dist')]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual(images);
  });
});

test('`npm run images` without a mirror lists the upstream references, the cert-manager ones among them', () => {
  const text = withOverrides({ gitops: { argocd: { enabled: true, repoURL: 'https://git.example.com/fl.git', certManager: { enabled: true } } } });
  const out = synth(text);
  const images = imagesOf(out.objects);
  expect(images).toEqual(expect.arrayContaining(['docker.io/library/busybox:1.36.1', 'quay.io/minio/minio:RELEASE.2022-10-24T18-35-07Z', 'quay.io/jetstack/cert-manager-controller:v1.19.1',
    'docker.io/neursafe/nsfl-coordinator:0.1.0']));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-images-'));
  fs.writeFileSync(path.join(dir, 'platform.yaml'), text);
  expect(run(['images', '--config', path.join(dir, 'platform.yaml'), '--outdir', path.join(dir, 'dist')]).stdout.split('\n')).toEqual(images);
});

/** Every field of the JSON Schema that holds an image reference, as a path into a config (arrays: item 0, records: key "p"). */
function imageFieldPaths(): string[][] {
  // Inlined (the committed file writes shared blocks once under $defs).
  const schema: any = platformJsonSchema(platformConfigSchema(REGISTRY));
  const paths: string[][] = [];
  const walk = (node: any, at: string[]) => {
    if (node.type === 'string' && typeof node.pattern === 'string' && node.pattern.includes('@sha256:')) paths.push(at);
    for (const [k, v] of Object.entries<any>(node.properties ?? {})) walk(v, [...at, k]);
    if (node.items) walk(node.items, [...at, '0']);
    if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, [...at, 'p']);
  };
  walk(schema, []);
  return paths;
}

test('every image field of the schema is rewritten to the mirror', () => {
  const paths = imageFieldPaths();
  expect(paths.length).toBeGreaterThan(30);
  const config: any = parse(withOverrides({ images: { mirror: MIRROR } }));
  config.edge.profiles = { ...config.edge.profiles, p: {} };
  config.edge.nodes[0].profile = 'p';
  config.remoteSites = { sites: [{ name: 'r', externalAddress: '198.51.100.1:30190', destination: { name: 'r' }, port: 22100 }] };
  paths.forEach((p, i) => {
    let o = config;
    for (const k of p.slice(0, -1)) o = o[k] ??= {};
    o[p[p.length - 1]] = `ghcr.io/outside/image-${i}:1.0`;
  });
  const { config: loaded } = parseConfig(JSON.stringify(config), 'platform.yaml');
  const notMirrored = paths.filter((p) => {
    const v = p.reduce<any>((o, k) => o?.[k], loaded);
    return !(typeof v === 'string' && v.startsWith(`${MIRROR}/outside/`));
  });
  expect(notMirrored).toEqual([]);
});

describe('images.digests', () => {
  const digest = `sha256:${'b'.repeat(64)}`;

  test('pins the default reference of that platform image, and only it', () => {
    const out = synth(withOverrides({ images: { digests: { 'nsfl-proxy': digest } } }));
    const images = imagesOf(out.objects);
    expect(images).toContain(`docker.io/neursafe/nsfl-proxy:0.1.0@${digest}`);
    expect(images.filter((i) => i.includes('@'))).toHaveLength(1);
  });

  test('a malformed digest is refused at its field', () => {
    expect(configErrors(withOverrides({ images: { digests: { 'nsfl-proxy': 'b'.repeat(64) } } }))).toEqual([
      expect.stringMatching(/images\.digests\.nsfl-proxy: must be a digest sha256:<64 hex digits>/),
    ]);
  });

  test('a digest in images.tag is refused with the way to pin', () => {
    expect(configErrors(withOverrides({ images: { tag: `0.1.0@${digest}` } }))).toEqual([expect.stringMatching(/images\.tag: .*images\.digests/)]);
  });
});

test('the cert-manager chart repository is configurable', () => {
  const out = synth(
    withOverrides({ gitops: { argocd: { enabled: true, repoURL: 'https://git.example.com/fl.git', certManager: { enabled: true, chartRepository: 'https://charts.mirror.internal/jetstack' } } } }),
  );
  const app = out.all('Application').find((a) => a.spec.source.chart === 'cert-manager');
  expect(app.spec.source.repoURL).toBe('https://charts.mirror.internal/jetstack');
});

test("KubeEdge's CloudCore: every image is named (so a mirror and `npm run images` cover them) and its chart's repository is configurable", () => {
  const argocd = { enabled: true, repoURL: 'https://git.example.com/fl.git', cloudCore: { enabled: true, version: 'v1.17.0' } };
  const cloudCore = (o: { all: (kind: string) => any[] }) => o.all('Application').find((a) => a.spec.source.path === 'manifests/charts/cloudcore');
  const plain = synth(withOverrides({ gitops: { argocd } }));
  expect(imagesOf(plain.objects)).toEqual(expect.arrayContaining(['docker.io/kubeedge/cloudcore:v1.17.0', 'docker.io/kubeedge/iptables-manager:v1.17.0',
    'docker.io/kubeedge/controller-manager:v1.17.0']));
  const mirroredOut = synth(withOverrides({ images: { mirror: MIRROR }, gitops: { argocd: { ...argocd, cloudCore: { ...argocd.cloudCore, repoURL: 'https://git.mirror.internal/kubeedge.git' } } } }));
  const values = cloudCore(mirroredOut).spec.source.helm.valuesObject;
  for (const key of ['cloudCore', 'iptablesManager', 'controllerManager']) expect(values[key].image.repository).toMatch(new RegExp(`^${MIRROR}/kubeedge/`));
  expect(cloudCore(mirroredOut).spec.source.repoURL).toBe('https://git.mirror.internal/kubeedge.git');
});

test('`images` takes no positional argument and no synth-only flag', () => {
  expect(run(['images', 'platform.yaml'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unexpected argument "platform.yaml" (the config file is given with --config)') });
  expect(run(['images', '--check'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--check, --full and --allow-recreate apply to synth only') });
});

describe('two images on one mirror path', () => {
  test('different registries with the same path are refused, naming both fields', () => {
    const errors = configErrors(withOverrides({ images: { mirror: MIRROR, minio: 'docker.io/minio/minio:RELEASE.2022-10-24T18-35-07Z' },
      proxy: { image: 'quay.io/minio/minio:RELEASE.2022-10-24T18-35-07Z' } }));
    expect(errors).toEqual([expect.stringMatching(new RegExp(
      String.raw`proxy\.image: "quay\.io\/minio\/minio:.*" and images\.minio \("docker\.io\/minio\/minio:.*"\) ` +
      String.raw`are different images that both become "mirror\.internal:5000\/fl\/minio\/minio:`,
    ))]);
  });

  test('one image written two ways (busybox, docker.io/library/busybox) is not a clash', () => {
    expect(configErrors(withOverrides({ images: { mirror: MIRROR, busybox: 'busybox:1.36.1' }, proxy: { image: 'docker.io/library/busybox:1.36.1' } }))).toEqual([]);
  });
});

test('a digest for a name the platform does not build is refused (it would pin nothing)', () => {
  expect(configErrors(withOverrides({ images: { digests: { 'nsfl-prxy': `sha256:${'c'.repeat(64)}` } } }))).toEqual([
    expect.stringMatching(new RegExp(
      String.raw`images\.digests\.nsfl-prxy: "nsfl-prxy" is not an image the platform builds \(` +
      String.raw`nsfl-client-cpu, nsfl-coordinator, nsfl-job-scheduler, nsfl-model-manager, nsfl-proxy, nsfl-selector\)`,
    )),
  ]);
});

test("Kubernetes' default pull policy of a reference: Always for :latest or no tag, unless a digest pins it", () => {
  const cases: Record<string, string> = {
    'busybox:1.36.1': 'IfNotPresent',
    'busybox': 'Always',
    'busybox:latest': 'Always',
    'localhost:5000/fl/proxy': 'Always',
    'localhost:5000/fl/proxy:9': 'IfNotPresent',
    'registry.example.com:443/fl/proxy:latest': 'Always',
    'docker.io/neursafe/nsfl-proxy@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef': 'IfNotPresent',
    'docker.io/neursafe/nsfl-proxy:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef': 'IfNotPresent',
  };
  for (const [ref, policy] of Object.entries(cases)) expect({ ref, policy: defaultPullPolicy(ref) }).toEqual({ ref, policy });
});
