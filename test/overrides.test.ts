/**
 * Placement and metadata of every workload, and the escape hatch
 * (extraObjects, patches, extraVolumes, envFrom): each knob lands where it
 * should, the generator's own rules and labels survive, and every mistake is
 * a located config error that leaves the output folder alone.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { ConfigError, formatIssue } from '../lib/config/errors';
import { EXIT } from '../lib/exit-codes';
import { kubectlApplyCommand } from '../lib/gitops/kubectl';
import { parseConfig } from '../lib/load';
import { NeursafePlatform } from '../lib/neursafe-platform';
import { Testing } from 'cdk8s';
import { synthFiles } from '../lib/synth';
import { readTree, run } from './support/cli';
import { validateManifest } from './support/k8s-schema';
import { configErrors, DEFAULT_CONFIG, synth, withOverrides } from './support/platform';

const NS = 'neursafe-fl';
const EDGE_KEY = 'node-role.kubernetes.io/edge';

/** The `file:line:col: error: path: message` lines synth rejects a config with (none when it synthesizes). */
function synthErrors(text: string): string[] {
  try {
    synthFiles(parseConfig(text, 'platform.yaml'));
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map(formatIssue);
    throw e;
  }
}

/** The 1-based line of the first line of `text` that matches `re` at or after line `from`. */
function lineOf(text: string, re: RegExp, from = 1): number {
  return text.split('\n').findIndex((l, i) => i + 1 >= from && re.test(l)) + 1;
}

const edge = {
  edge: {
    defaults: { priorityClassName: 'edge-critical', podAnnotations: { 'example.com/owner': 'fleet' } },
    profiles: { jetson: { podLabels: { 'example.com/device': 'jetson' } } },
  },
};

describe('placement and metadata', () => {
  const text = withOverrides({
    commonLabels: { 'example.com/team': 'fl' },
    commonAnnotations: { 'example.com/contact': 'fl-team@example.com' },
    workloads: { nodeSelector: { 'example.com/pool': 'fl' }, priorityClassName: 'fl-default', tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'fl', effect: 'NoSchedule' }] },
    proxy: {
      nodeSelector: { 'example.com/ingress': 'true' },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a'] }] },
              { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['b'] }] },
            ],
          },
        },
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } }] },
      },
      podLabels: { 'example.com/tier': 'edge-facing' },
      podAnnotations: { 'prometheus.io/scrape': 'true' },
      priorityClassName: 'fl-high',
    },
    database: { embedded: { priorityClassName: 'fl-data' } },
    objectStorage: { podLabels: { 'example.com/tier': 'storage' } },
    ...edge,
  });
  const out = synth(text);
  const proxy = out.get('Deployment', 'nsfl-proxy');
  const pod = proxy.spec.template;

  test('a component\'s settings land on its pods, over the fleet-wide defaults (maps merged, others replaced)', () => {
    expect(pod.spec.nodeSelector).toEqual({ 'example.com/pool': 'fl', 'example.com/ingress': 'true' });
    expect(pod.spec.priorityClassName).toBe('fl-high');
    expect(pod.spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'fl', effect: 'NoSchedule' }]);
    expect(pod.metadata.labels['example.com/tier']).toBe('edge-facing');
    expect(pod.metadata.annotations['prometheus.io/scrape']).toBe('true');
    expect(pod.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    const js = out.get('Deployment', 'nsfl-job-scheduler').spec.template.spec;
    expect([js.nodeSelector, js.priorityClassName]).toEqual([{ 'example.com/pool': 'fl' }, 'fl-default']);
    expect(out.get('StatefulSet', 'nsfl-database').spec.template.spec.priorityClassName).toBe('fl-data');
    expect(out.get('Deployment', 'nsfl-object-storage').spec.template.metadata.labels['example.com/tier']).toBe('storage');
    expect(out.get('Deployment', 'nsfl-task-manager').spec.template.spec.priorityClassName).toBe('fl-default');
  });

  test('the configured affinity is merged with the rule that keeps server pods off edge nodes', () => {
    const terms = pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms).toHaveLength(2);
    for (const [i, zone] of ['a', 'b'].entries()) {
      expect(terms[i].matchExpressions).toEqual([
        { key: EDGE_KEY, operator: 'DoesNotExist' },
        { key: 'topology.kubernetes.io/zone', operator: 'In', values: [zone] },
      ]);
    }
    expect(pod.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    // The cloud task manager keeps its own node label rule too, beside the edge one.
    const tm = out.get('Deployment', 'nsfl-task-manager').spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(tm[0].matchExpressions[0]).toEqual({ key: EDGE_KEY, operator: 'DoesNotExist' });
  });

  test('pod labels never reach a selector', () => {
    expect(Object.keys(proxy.spec.selector.matchLabels).every((k) => k.startsWith('app.kubernetes.io/'))).toBe(true);
    for (const svc of out.all('Service')) expect(Object.keys(svc.spec.selector ?? {}).some((k) => k.startsWith('example.com/'))).toBe(false);
  });

  test('common labels and annotations are on every object, and on its pods', () => {
    for (const { obj } of out.objects) {
      expect(obj.metadata.labels['example.com/team']).toBe('fl');
      expect(obj.metadata.annotations['example.com/contact']).toBe('fl-team@example.com');
    }
    for (const kind of ['Deployment', 'StatefulSet', 'Job']) for (const w of out.all(kind)) expect(w.spec.template.metadata.labels['example.com/team']).toBe('fl');
    // A workload's own pod label wins over the common one on its pods.
    const own = synth(withOverrides({ commonLabels: { 'example.com/tier': 'any' }, proxy: { podLabels: { 'example.com/tier': 'edge-facing' } } }));
    expect(own.get('Deployment', 'nsfl-proxy').spec.template.metadata.labels['example.com/tier']).toBe('edge-facing');
    expect(own.get('Deployment', 'nsfl-proxy').metadata.labels['example.com/tier']).toBe('any');
  });

  test('set-up Jobs take the fleet-wide placement; edge task managers take edge.defaults, profiles and nodes', () => {
    const job = out.get('Job', 'nsfl-database-setup').spec.template.spec;
    expect([job.nodeSelector, job.priorityClassName]).toEqual([{ 'example.com/pool': 'fl' }, 'fl-default']);
    const edgeOut = synth(withOverrides({ ...edge, workloads: { nodeSelector: { 'example.com/pool': 'fl' } }, edge: { ...edge.edge, nodes: edgeNodes() } }));
    const pod = (node: string) => edgeOut.get('Deployment', `nsfl-edge-${node}`).spec.template;
    for (const n of ['edge-node-1', 'edge-node-2', 'edge-jetson']) {
      expect(pod(n).spec.priorityClassName).toBe('edge-critical');
      expect(pod(n).metadata.annotations['example.com/owner']).toBe('fleet');
      expect(pod(n).spec.nodeSelector).toEqual({ 'kubernetes.io/hostname': n });
    }
    expect(pod('edge-jetson').metadata.labels['example.com/device']).toBe('jetson');
    expect(pod('edge-node-1').metadata.labels['example.com/device']).toBeUndefined();
  });

  test('the output is schema-valid', () => {
    for (const { file, obj } of out.objects) expect([file, validateManifest(obj)]).toEqual([file, []]);
  });
});

/** Two edge nodes, one with the jetson profile. */
function edgeNodes() {
  const nodes = parse(DEFAULT_CONFIG).edge.nodes as any[];
  return [...nodes, { name: 'edge-jetson', address: '192.0.2.77', arch: 'amd64', profile: 'jetson' }];
}

describe('the generator\'s labels and annotations cannot be overridden', () => {
  test.each([
    [{ proxy: { podLabels: { 'app.kubernetes.io/component': 'x' } } }, 'proxy.podLabels["app.kubernetes.io/component"]'],
    [{ commonLabels: { 'fl.neursafe.io/site': 'x' } }, 'commonLabels["fl.neursafe.io/site"]'],
    [{ edge: { defaults: { podLabels: { 'app.kubernetes.io/instance': 'x' } } } }, 'edge.defaults.podLabels["app.kubernetes.io/instance"]'],
    [{ workloads: { podAnnotations: { 'app.kubernetes.io/managed-by': 'me' } } }, 'workloads.podAnnotations["app.kubernetes.io/managed-by"]'],
  ])('%j is refused', (overrides, field) => {
    const errors = configErrors(withOverrides(overrides));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`error: ${field}: "`);
    expect(errors[0]).toContain('is a label the generator sets');
  });

  test('a pod annotation the generator sets (the config checksum) is refused at synth, with its line', () => {
    const text = withOverrides({ proxy: { podAnnotations: { 'checksum/config': 'frozen' } } });
    expect(synthErrors(text)).toEqual([
      `platform.yaml:${lineOf(text, /checksum\/config: frozen/)}:5: error: proxy.podAnnotations["checksum/config"]: Deployment ${NS}/nsfl-proxy: the pod already has "checksum/config" (set by the ` +
        `generator to ${JSON.stringify(synth().get('Deployment', 'nsfl-proxy').spec.template.metadata.annotations['checksum/config'])}): use another key`,
    ]);
  });

  test('a common annotation that would change a generated one is refused', () => {
    const errors = synthErrors(withOverrides({ commonAnnotations: { 'argocd.argoproj.io/sync-wave': '7' } }));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatch(/error: commonAnnotations\["argocd.argoproj.io\/sync-wave"\]: .* already has "argocd.argoproj.io\/sync-wave"/);
  });
});

describe('extraVolumes, extraVolumeMounts and envFrom', () => {
  const corp = {
    extraVolumes: [{ name: 'corp-ca', configMap: { name: 'corp-ca-bundle' } }],
    extraVolumeMounts: [{ name: 'corp-ca', mountPath: '/etc/ssl/corp', readOnly: true }],
    envFrom: [{ secretRef: { name: 'proxy-settings' } }],
  };

  test('land on the main container and the pod', () => {
    const out = synth(withOverrides({ modelManager: corp }));
    const spec = out.get('Deployment', 'nsfl-model-manager').spec.template.spec;
    expect(spec.volumes).toContainEqual({ name: 'corp-ca', configMap: { name: 'corp-ca-bundle' } });
    const main = spec.containers.find((c: any) => c.name === 'model-manager');
    expect(main.volumeMounts).toContainEqual({ name: 'corp-ca', mountPath: '/etc/ssl/corp', readOnly: true });
    expect(main.envFrom).toEqual([{ secretRef: { name: 'proxy-settings' } }]);
    expect(validateManifest(out.get('Deployment', 'nsfl-model-manager'))).toEqual([]);
    // Not on the set-up Jobs, which have no program of their own.
    expect(synth(withOverrides({ workloads: corp })).get('Job', 'nsfl-database-setup').spec.template.spec.volumes ?? []).not.toContainEqual(corp.extraVolumes[0]);
  });

  test('a volume name the generator uses, or a mount of no volume, is refused with its field', () => {
    const errors = synthErrors(withOverrides({ proxy: { extraVolumes: [{ name: 'config', emptyDir: {} }], extraVolumeMounts: [{ name: 'nope', mountPath: '/x' }] } }));
    expect(errors.map((e) => e.replace(/^platform.yaml:\d+:\d+: /, ''))).toEqual([
      `error: proxy.extraVolumes[0].name: Deployment ${NS}/nsfl-proxy: the pod already has a volume named "config": pick another name`,
      `error: proxy.extraVolumeMounts[0].name: Deployment ${NS}/nsfl-proxy: the pod has no volume named "nope": add it to extraVolumes`,
    ]);
  });

  test('a volume needs exactly one source', () => {
    expect(configErrors(withOverrides({ proxy: { extraVolumes: [{ name: 'a' }] } }))[0]).toContain('proxy.extraVolumes[0]: must have exactly one source');
  });
});

describe('extraObjects', () => {
  const externalSecret = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'corp-ca-bundle', namespace: NS },
    data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\n' },
  };

  test('land in the named file, after the generated objects, with the common labels', () => {
    const out = synth(withOverrides({ commonLabels: { 'example.com/team': 'fl' }, extraObjects: [{ file: '90-extra.k8s.yaml', manifest: externalSecret }, { file: '20-platform.k8s.yaml',
      manifest: { ...externalSecret, metadata: { name: 'second', namespace: NS } } }] }));
    const instance = { 'app.kubernetes.io/part-of': 'neursafe-fl', 'fl.neursafe.io/instance': 'nsfl' };
    expect(out.objects.filter((o) => o.file === '90-extra.k8s.yaml').map((o) => o.obj)).toEqual([{ ...externalSecret,
      metadata: { ...externalSecret.metadata, labels: { 'example.com/team': 'fl', ...instance } } }]);
    const platform = out.objects.filter((o) => o.file === '20-platform.k8s.yaml');
    expect(platform[platform.length - 1].obj.metadata.name).toBe('second');
    for (const { obj } of out.objects) expect(validateManifest(obj)).toEqual([]);
  });

  test('they carry the labels the kubectl path applies and prunes by; another value of them is refused', () => {
    const text = withOverrides({ extraObjects: [{ file: '90-extra.k8s.yaml', manifest: externalSecret }] });
    const selector = /-l (\S+)/.exec(kubectlApplyCommand(parseConfig(text, 'platform.yaml').model))![1];
    const labels = synth(text).get('ConfigMap', 'corp-ca-bundle').metadata.labels;
    for (const term of selector.split(',')) expect(labels[term.split('=')[0]]).toBe(term.split('=')[1]);
    const mine = { ...externalSecret, metadata: { ...externalSecret.metadata, labels: { 'fl.neursafe.io/instance': 'other' } } };
    expect(synthErrors(withOverrides({ extraObjects: [{ file: 'x.k8s.yaml', manifest: mine }] }))[0]).toMatch(
      /error: extraObjects\[0\]\.manifest\.metadata\.labels\["fl.neursafe.io\/instance"\]: ConfigMap neursafe-fl\/corp-ca-bundle: synth sets fl.neursafe.io\/instance to nsfl/,
    );
  });

  test('an object that is generated, or listed twice, is refused', () => {
    const dup = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nsfl-proxy', namespace: NS }, spec: { ports: [{ port: 1 }] } };
    expect(synthErrors(withOverrides({ extraObjects: [{ file: 'x.k8s.yaml', manifest: dup }, { file: 'y.k8s.yaml', manifest: externalSecret },
      { file: 'y.k8s.yaml', manifest: externalSecret }] })).map((e) => e.replace(/^platform.yaml:\d+:\d+: /, ''))).toEqual([
      `error: extraObjects[0].manifest.metadata.name: Service ${NS}/nsfl-proxy is generated (in 20-platform.k8s.yaml): change it with patches instead`,
      `error: extraObjects[2].manifest.metadata.name: ConfigMap ${NS}/corp-ca-bundle is also extraObjects[1]`,
    ]);
  });

  test('an object without apiVersion, kind or name, or written to a folder, is refused', () => {
    const errors = configErrors(withOverrides({ extraObjects: [{ file: 'edge/x.k8s.yaml', manifest: { kind: 'ConfigMap', metadata: {} } }] }));
    expect(errors.map((e) => e.replace(/^platform.yaml:\d+:\d+: error: /, '').split(':')[0]).sort()).toEqual([
      'extraObjects[0].file',
      'extraObjects[0].manifest.apiVersion',
      'extraObjects[0].manifest.metadata.name',
    ]);
  });
});

describe('patches', () => {
  const target = { kind: 'Deployment', name: 'nsfl-proxy' };

  test('a merge patch merges lists of named objects by name; JSON patch operations follow', () => {
    const out = synth(
      withOverrides({
        patches: [
          {
            target,
            merge: { spec: { template: { spec: { containers: [{ name: 'proxy', env: [{ name: 'CORP_FLAG', value: '1' }] }] } } } },
            ops: [{ op: 'add', path: '/metadata/annotations', value: { 'example.com/patched': 'yes' } }],
          },
          { target: { kind: 'Service', name: 'nsfl-proxy-external', namespace: NS }, ops: [{ op: 'add', path: '/spec/externalTrafficPolicy', value: 'Local' }] },
        ],
      }),
    );
    const before = synth().get('Deployment', 'nsfl-proxy');
    const proxy = out.get('Deployment', 'nsfl-proxy');
    const main = proxy.spec.template.spec.containers.find((c: any) => c.name === 'proxy');
    const mainBefore = before.spec.template.spec.containers.find((c: any) => c.name === 'proxy');
    expect(main.env).toEqual([...mainBefore.env, { name: 'CORP_FLAG', value: '1' }]);
    expect(main.image).toBe(mainBefore.image);
    expect(proxy.spec.template.spec.containers.map((c: any) => c.name)).toEqual(before.spec.template.spec.containers.map((c: any) => c.name));
    expect(proxy.metadata.annotations).toEqual({ 'example.com/patched': 'yes' });
    expect(out.get('Service', 'nsfl-proxy-external').spec.externalTrafficPolicy).toBe('Local');
    expect(validateManifest(proxy)).toEqual([]);
  });

  test('a patch that targets nothing is an error at its target, with its line', () => {
    const text = withOverrides({ patches: [{ target, ops: [{ op: 'add', path: '/metadata/labels/a', value: 'b' }] }, { target: { kind: 'Deployment', name: 'nsfl-proxxy' }, merge: { spec: {} } }] });
    const line = lineOf(text, /target:/, lineOf(text, /nsfl-proxxy/) - 2);
    expect(synthErrors(text)).toEqual([
      `platform.yaml:${line}:5: error: patches[1].target: matches no generated object (Deployment nsfl-proxxy); patches apply to generated objects only, by kind and metadata.name as written in ` +
        `the output`,
    ]);
    expect(synthErrors(withOverrides({ patches: [{ target: { ...target, namespace: 'elsewhere' }, merge: { spec: {} } }] }))[0]).toContain('patches[0].target: matches no generated object ' +
      '(Deployment elsewhere/nsfl-proxy)');
  });

  test('an operation on a path that does not exist is an error at that operation\'s path', () => {
    const errors = synthErrors(withOverrides({ patches: [{ target, ops: [{ op: 'replace', path: '/spec/template/spec/containers/9/image', value: 'x' }] }] }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^platform.yaml:\d+:\d+: error: patches\[0\]\.ops\[0\]\.path: Deployment neursafe-fl\/nsfl-proxy: "\/spec\/template\/spec\/containers\/9\/image" does not exist/);
  });

  test.each([
    ['a field of another type', { op: 'replace', path: '/spec/template/spec/containers/0/securityContext', value: 'restricted' }, 'spec.template.spec.containers[0].securityContext: was object, ' +
      'the patch makes it string or number'],
    ['a required field removed', { op: 'remove', path: '/spec/template/spec/containers/0/name' }, 'spec.template.spec.containers[0].name: is missing'],
    ['a selector label removed from the pods', { op: 'remove', path: '/spec/template/metadata/labels/app.kubernetes.io~1component' }, 'spec.selector.matchLabels["app.kubernetes.io/component"]: ' +
      'the pod template does not carry'],
  ])('a patch that breaks the object (%s) is an error, and the schema agrees it is invalid', (_, op, problem) => {
    const errors = synthErrors(withOverrides({ patches: [{ target, ops: [op] }] }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^platform.yaml:\d+:\d+: error: patches\[0\]: makes Deployment neursafe-fl\/nsfl-proxy invalid: /);
    expect(errors[0]).toContain(problem);
    if (op.op !== 'remove' || !op.path.includes('labels')) {
      const broken = structuredClone(synth().get('Deployment', 'nsfl-proxy'));
      const [parent, key] = op.path.split('/').slice(1).reduce<[any, string]>(([o, k], t) => [o[k], t], [{ r: broken }, 'r']);
      if (op.op === 'remove') delete parent[key];
      else parent[key] = (op as any).value;
      expect(validateManifest(broken)).not.toEqual([]);
    }
  });

  test('a patch may not change an object\'s identity', () => {
    expect(synthErrors(withOverrides({ patches: [{ target, merge: { metadata: { name: 'other' } } }] }))[0]).toContain('patches[0]: Deployment neursafe-fl/nsfl-proxy: a patch may not change ' +
      'metadata.name');
  });

  test('a patch needs merge or ops', () => {
    expect(configErrors(withOverrides({ patches: [{ target }] }))[0]).toContain('patches[0]: must have merge or ops');
  });
});

describe('the command line', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-overrides-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('a patch shows in --check and the change summary; a broken one writes nothing and exits 1', () => {
    const config = path.join(tmp, 'platform.yaml');
    const outdir = path.join(tmp, 'dist');
    fs.writeFileSync(config, DEFAULT_CONFIG);
    expect(run(['--config', config, '--outdir', outdir]).code).toBe(EXIT.ok);
    fs.writeFileSync(config, withOverrides({ patches: [{ target: { kind: 'Deployment', name: 'nsfl-proxy' }, ops: [{ op: 'add', path: '/metadata/labels/example.com~1patched', value: 'yes' }] }] }));
    const check = run(['--config', config, '--outdir', outdir, '--check']);
    expect(check.code).toBe(EXIT.drift);
    expect(check.stderr).toContain('20-platform.k8s.yaml');
    const before = readTree(outdir);
    fs.writeFileSync(config, `${stringify({ patches: [{ target: { kind: 'Deployment', name: 'nope' }, merge: { spec: {} } }] })}`);
    const broken = run(['--config', config, '--outdir', outdir]);
    expect(broken.code).toBe(EXIT.configErrors);
    expect(broken.stderr).toMatch(/platform.yaml:2:5: error: patches\[0\]\.target: matches no generated object/);
    expect(readTree(outdir)).toEqual(before);
    fs.writeFileSync(config, withOverrides({ patches: [{ target: { kind: 'Deployment', name: 'nsfl-proxy' }, ops: [{ op: 'add', path: '/metadata/labels/example.com~1patched', value: 'yes' }] }] }));
    const wrote = run(['--config', config, '--outdir', outdir]);
    expect(wrote.code).toBe(EXIT.ok);
    expect(wrote.stdout).toContain('20-platform.k8s.yaml: changed Deployment neursafe-fl/nsfl-proxy\n');
  });
});

test('a clash from edge settings is reported at the level that set it', () => {
  const errors = synthErrors(withOverrides({ edge: { defaults: { podAnnotations: { 'checksum/config': 'x' } } } }));
  expect(errors.length).toBeGreaterThan(0);
  for (const e of errors) expect(e).toMatch(/error: edge\.defaults\.podAnnotations\["checksum\/config"\]: Deployment neursafe-fl\/nsfl-edge-edge-node-\d: the pod already has "checksum\/config"/);
});

test('edge task managers take extraVolumes, extraVolumeMounts and envFrom from edge settings (lists: the most specific level)', () => {
  const out = synth(
    withOverrides({
      edge: {
        defaults: { envFrom: [{ configMapRef: { name: 'site-settings' } }], extraVolumes: [{ name: 'scratch', emptyDir: {} }], extraVolumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] },
        profiles: { jetson: { extraVolumes: [{ name: 'models', persistentVolumeClaim: { claimName: 'jetson-models' } }], extraVolumeMounts: [{ name: 'models', mountPath: '/models' }] } },
        nodes: edgeNodes(),
      },
    }),
  );
  const tm = (node: string) => out.get('Deployment', `nsfl-edge-${node}`).spec.template.spec;
  const main = (node: string) => tm(node).containers.find((c: any) => c.name === 'task-manager');
  // The user's sources first, the fleet's shared variables last: of two sources with a variable, the later wins.
  expect(main('edge-jetson').envFrom).toEqual([{ configMapRef: { name: 'site-settings' } }, { configMapRef: { name: 'nsfl-env-edge' } }]);
  expect(main('edge-jetson').volumeMounts).toContainEqual({ name: 'models', mountPath: '/models' });
  expect(tm('edge-jetson').volumes).toContainEqual({ name: 'models', persistentVolumeClaim: { claimName: 'jetson-models' } });
  expect(tm('edge-jetson').volumes.map((v: any) => v.name)).not.toContain('scratch');
  expect(main('edge-node-1').volumeMounts).toContainEqual({ name: 'scratch', mountPath: '/scratch' });
  for (const n of ['edge-jetson', 'edge-node-1']) expect(validateManifest(out.get('Deployment', `nsfl-edge-${n}`))).toEqual([]);
});

test('the NeursafePlatform construct refuses what only synth applies, instead of silently leaving it out', () => {
  const config = { proxy: { priorityClassName: 'fl-high' }, edge: { defaults: { podLabels: { 'example.com/a': 'b' } } }, patches: [{ target: { kind: 'Service', name: 'x' }, merge: {} }] };
  expect(() => new NeursafePlatform(Testing.app(), 'fl', { config })).toThrow(
    'patches, proxy.priorityClassName, edge.defaults.podLabels: applied by synth to the rendered objects (synthFiles, npm run synth), not by the NeursafePlatform construct',
  );
  expect(() => new NeursafePlatform(Testing.app(), 'fl', { config: {} })).not.toThrow();
});
