/**
 * GitOps delivery: state survives Application deletion, pruning and renames;
 * the Argo CD objects are valid; the edge fleet is split into Applications
 * that stay small at any fleet size and that one node's change touches one
 * of; no object is claimed twice; the plain kubectl path prunes safely.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseConfig } from '../lib/load';
import { edgeFilePath, shardOf } from '../lib/edge/shards';
import { applicationOfFile } from '../lib/gitops/argocd';
import { OVERVIEW_FILE } from '../lib/overview/readme';
import { kubectlApplyCommand, pruneAllowlist, pruneSelector } from '../lib/gitops/kubectl';
import { parsePortRecord } from '../lib/outdir/port-record';
import { PORTS_FILE } from '../lib/resolve/ports';
import { RECORD_FILE } from '../lib/incremental/record';
import { fleetConfig } from './support/fleet';
import { validateManifest } from './support/k8s-schema';
import { DEFAULT_CONFIG, ROOT, Synthesized, configErrors, synth, withOverrides } from './support/platform';

const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
const ARGO_CD_LIMIT = 10 * 1024 * 1024;
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);


/** `Kind/namespace/name` of an object. */
const idOf = (obj: any) => `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;

/** The Application each object is synced by, keyed by object id (throws when an object is claimed twice). */
function owners(text: string, out: Synthesized): Map<string, string> {
  const { model } = parseConfig(text, 'platform.yaml');
  const owner = new Map<string, string>();
  for (const { file, obj } of out.objects) {
    const app = applicationOfFile(model.argoCdNames, file);
    if (app === undefined) continue;
    const id = idOf(obj);
    if (owner.has(id) && owner.get(id) !== app) throw new Error(`${id} is in ${owner.get(id)} and ${app}`);
    owner.set(id, app);
  }
  return owner;
}

/** Output files that differ between two syntheses, but README.md: the picture of the platform summarizes the fleet, and no Application syncs it. */
const changedFiles = (a: Map<string, string>, b: Map<string, string>) =>
  [...new Set([...a.keys(), ...b.keys()])].filter((f) => f !== OVERVIEW_FILE && a.get(f) !== b.get(f)).sort();

describe('state survives Application deletion, pruning and renames', () => {
  const variants: [string, string][] = [
    ['the bundled config', DEFAULT_CONFIG],
    ['a renamed namespace', withOverrides({ namespace: 'fl-moved' })],
    ['a renamed platform', withOverrides({ name: 'fl2' })],
  ];

  test.each(variants)('%s: the Namespace is never pruned nor deleted with the Application', (_, text) => {
    const out = synth(text);
    const [ns] = out.all('Namespace');
    expect(ns.metadata.annotations[SYNC_OPTIONS]).toBe('Prune=false,Delete=false');
    // Deleting the Application cascades (resources finalizer) to everything but the Namespace.
    expect(out.all('Application')[0].metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
  });

  test('the database PVC and the generated Secrets are not tracked by any Application (created in the cluster, not in Git)', () => {
    const out = synth();
    expect(out.all('PersistentVolumeClaim')).toEqual([]);
    // The only Secrets in Git are ServiceAccount token Secrets the cluster fills in.
    for (const s of out.all('Secret')) expect({ name: s.metadata.name, type: s.type, data: s.data }).toEqual({ name: s.metadata.name, type: 'kubernetes.io/service-account-token', data: undefined });
  });

  test('a pinned applicationName keeps the same Application through a `name` rename (no second Application over dist/)', () => {
    const pinned = (name: string) => synth(withOverrides({ name, gitops: { argocd: { applicationName: 'fl-platform', fleetName: 'fl-edge' } } }));
    expect(pinned('fl2').all('Application').map((a) => a.metadata.name)).toEqual(['fl-platform']);
    expect(pinned('fl2').all('ApplicationSet').map((a) => a.metadata.name)).toEqual(['fl-edge']);
    expect(pinned('nsfl').all('Application').map((a) => a.metadata.name)).toEqual(['fl-platform']);
  });
});

describe('resource tracking', () => {
  test("no Application is named like the objects' app.kubernetes.io/instance label (label tracking would claim the PVC)", () => {
    const out = synth();
    const instance = out.get('Deployment', 'nsfl-job-scheduler', 'neursafe-fl').metadata.labels['app.kubernetes.io/instance'];
    const { model } = parseConfig(DEFAULT_CONFIG, 'platform.yaml');
    const apps = [model.argoCdNames.platform, ...[...out.files.keys()].map((f) => applicationOfFile(model.argoCdNames, f))];
    expect(apps).not.toContain(instance);
    expect(configErrors(withOverrides({ gitops: { argocd: { applicationName: 'nsfl' } } }))).toEqual([
      expect.stringContaining('gitops.argocd.applicationName: the Application must not be named "nsfl"'),
    ]);
    expect(configErrors(withOverrides({ gitops: { argocd: { fleetName: 'nsfl' } } }))).toEqual([expect.stringContaining('gitops.argocd.fleetName: the edge fleet must not be named "nsfl"')]);
    expect(configErrors(withOverrides({ gitops: { argocd: { applicationName: 'nsfl-edge-s07' } } }))).toEqual([expect.stringContaining("is the name of an edge fleet shard's Application")]);
  });

  test('every object is synced by exactly one Application; the fleet shares nothing with the platform', () => {
    const text = withOverrides({ edge: { apiAccess: { mode: 'sidecar' } } });
    const owner = owners(text, synth(text));
    expect(owner.get('Namespace//neursafe-fl')).toBe('nsfl-platform');
    for (const [id, app] of owner) if (CLUSTER_SCOPED.has(id.split('/')[0])) expect({ id, app }).toEqual({ id, app: 'nsfl-platform' });
    expect(new Set(owner.values())).toEqual(new Set(['nsfl-platform', `nsfl-edge-${shardOf('edge-node-1', 32)}`, `nsfl-edge-${shardOf('edge-node-2', 32)}`]));
  });
});

describe("Argo CD's label tracking rewrites app.kubernetes.io/instance: every selector still finds what it must", () => {
  const text = withOverrides({ edge: { apiAccess: { mode: 'sidecar' } } });
  const { model } = parseConfig(text, 'platform.yaml');
  const out = synth(text);
  const INSTANCE = 'app.kubernetes.io/instance';
  /** Every pod template of the output (pods: Argo CD labels only the objects it applies, not what controllers create from them). */
  const templates = (objects: any[]) =>
    objects.flatMap((o) => [o.spec?.template, o.spec?.jobTemplate?.spec?.template].filter((t) => t?.spec?.containers !== undefined).map((t) => ({ kind: 'Pod', owner: idOf(o), ...t })));
  /** The objects Argo CD applies, each with its instance label set to its Application's name, as label tracking leaves them. */
  const synced = out.objects.filter((o) => applicationOfFile(model.argoCdNames, o.file) !== undefined);
  const rewritten = synced.map(({ file, obj }) => ({ ...obj, metadata: { ...obj.metadata, labels: { ...obj.metadata.labels, [INSTANCE]: applicationOfFile(model.argoCdNames, file) } } }));
  const before = synced.map((o) => o.obj);
  /** Whether labels match an equality selector `a=b,c=d`. */
  const matches = (labels: Record<string, string> | undefined, selector: string) =>
    selector.split(',').every((term) => {
      const [k, v] = term.split('=');
      return labels?.[k] === v;
    });
  /** What a `kubectl -l` selector finds among the objects and their pods. */
  const found = (objects: any[], selector: string) => [...objects, ...templates(objects)].filter((o) => matches(o.metadata?.labels, selector)).map((o) => o.owner ?? idOf(o)).sort();
  /** Every `kubectl ... -l <selector>` in the generated scripts, and the kubectl path's prune selector. */
  const selectors = [
    ...new Set([
      ...templates(before).flatMap((t) => t.spec.containers.flatMap((c: any) => [...JSON.stringify([c.command, c.args]).matchAll(/kubectl [^"]*?-l ([^\s"]+)/g)].map((m) => m[1]))),
      pruneSelector(model),
    ]),
  ];

  test('the rewrite changes what the app.kubernetes.io/instance label selects (the premise)', () => {
    expect(rewritten.filter((o) => o.metadata.labels[INSTANCE] !== model.context.name).length).toBeGreaterThan(0);
    expect(found(rewritten, `${INSTANCE}=${model.context.name}`)).not.toEqual(found(before, `${INSTANCE}=${model.context.name}`));
  });

  test("kubectl selectors (the certificate reloader's lists, the prune) select the same objects after the rewrite", () => {
    // The reloader's and the prune's selector, and the node labeler's.
    expect(selectors.length).toBeGreaterThanOrEqual(2);
    for (const selector of selectors) {
      expect({ selector, found: found(rewritten, selector) }).toEqual({ selector, found: found(before, selector) });
      expect(found(before, selector).length).toBeGreaterThan(0);
    }
  });

  test('workload and Service selectors match pod labels, which the rewrite leaves alone', () => {
    for (const o of rewritten.filter((x) => ['Deployment', 'StatefulSet', 'Service'].includes(x.kind) && x.spec.selector !== undefined)) {
      const sel: Record<string, string> = o.spec.selector.matchLabels ?? o.spec.selector;
      const selector = Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',');
      expect({ id: idOf(o), selectsPods: templates(rewritten).some((t) => matches(t.metadata.labels, selector)) }).toEqual({ id: idOf(o), selectsPods: true });
    }
  });
});

describe('the Argo CD objects', () => {
  const variants: [string, string][] = [
    ['the bundled config', DEFAULT_CONFIG],
    ['a named destination, manual sync', withOverrides({ gitops: { argocd: { destination: { name: 'edge-cluster' }, automated: false, applyOutOfSyncOnly: false, project: 'fl' } } })],
  ];

  test.each(variants)('%s: validate against the Argo CD CRD schema', (_, text) => {
    const out = synth(text);
    const argo = out.objects.filter((o) => o.file.startsWith('argocd/')).map((o) => o.obj);
    expect(argo.map((o) => o.kind).sort()).toEqual(['Application', 'ApplicationSet']);
    for (const obj of argo) expect(validateManifest(obj)).toEqual([]);
  });

  test('every Application and the ApplicationSet template retries a failed sync with backoff (a first install outlives an unready webhook)', () => {
    const withCertManager = (extra: object) => synth(withOverrides({ gitops: { argocd: { certManager: { enabled: true }, ...extra } } }));
    const specs = (out: Synthesized) => [
      ...out.all('Application').map((a) => ({ name: a.metadata.name, spec: a.spec })),
      ...out.all('ApplicationSet').map((a) => ({ name: `${a.metadata.name} (template)`, spec: a.spec.template.spec })),
    ];
    const out = withCertManager({});
    expect(specs(out).map((s) => s.name).sort()).toEqual(['cert-manager', 'nsfl-edge (template)', 'nsfl-platform']);
    for (const { name, spec } of specs(out)) {
      expect({ name, retry: spec.syncPolicy.retry }).toEqual({ name, retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } } });
    }
    for (const obj of out.objects.filter((o) => o.file.startsWith('argocd/'))) expect(validateManifest(obj.obj)).toEqual([]);
    // Configurable, and checked.
    const tuned = withCertManager({ automated: false, retry: { limit: 10, backoff: { duration: '30s', maxDuration: '10m' } } });
    for (const { name, spec } of specs(tuned)) {
      expect({ name, retry: spec.syncPolicy.retry }).toEqual({ name, retry: { limit: 10, backoff: { duration: '30s', factor: 2, maxDuration: '10m' } } });
    }
    expect(configErrors(withOverrides({ gitops: { argocd: { retry: { backoff: { duration: '10m', maxDuration: '5m' } } } } }))).toEqual([
      expect.stringContaining('gitops.argocd.retry.backoff.maxDuration: maxDuration must not be shorter than duration'),
    ]);
    expect(configErrors(withOverrides({ gitops: { argocd: { retry: { backoff: { duration: 'soon' } } } } }))).toEqual([expect.stringContaining('gitops.argocd.retry.backoff.duration: must be a ' +
      'duration')]);
  });

  test("CloudCore: KubeEdge's own chart at the pinned release tag, advertising edge.cloudCoreAddress's IP, images at that tag, valid", () => {
    const cloudCore = (extra: object, edge: object = { cloudCoreAddress: '203.0.113.20:10000' }) => withOverrides({ edge, gitops: { argocd: { cloudCore: { enabled: true, ...extra } } } });
    expect(synth().files.has('argocd/cloudcore.k8s.yaml')).toBe(false);
    const out = synth(cloudCore({ version: 'v1.17.0' }));
    const app = out.get('Application', 'cloudcore', 'argocd');
    expect(out.objects.find((o) => o.obj === app)!.file).toBe('argocd/cloudcore.k8s.yaml');
    expect(validateManifest(app)).toEqual([]);
    // Every image named (so a mirror rewrites it), at the release's tag.
    const image = (name: string) => ({ image: { repository: `docker.io/kubeedge/${name}`, tag: 'v1.17.0' } });
    expect(app.spec.source).toEqual({
      repoURL: 'https://github.com/kubeedge/kubeedge.git',
      path: 'manifests/charts/cloudcore',
      targetRevision: 'v1.17.0',
      helm: {
        releaseName: 'cloudcore',
        valuesObject: {
          cloudCore: { ...image('cloudcore'), modules: { cloudHub: { advertiseAddress: ['203.0.113.20'] } } },
          iptablesManager: image('iptables-manager'),
          controllerManager: image('controller-manager'),
        },
      },
    });
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'kubeedge' });
    expect(app.spec.syncPolicy).toEqual({
      automated: { prune: true, selfHeal: true },
      syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
      retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
    });
    // Applied by hand with the other Argo CD objects, never synced by an Application.
    const { model } = parseConfig(cloudCore({ version: 'v1.17.0' }), 'platform.yaml');
    expect(applicationOfFile(model.argoCdNames, 'argocd/cloudcore.k8s.yaml')).toBeUndefined();
    expect(synth(cloudCore({ version: 'v1.11.1', namespace: 'edge-system' })).get('Application', 'cloudcore', 'argocd').spec.destination.namespace).toBe('edge-system');
    // Pinned, to a release with the chart, advertising an IP.
    expect(configErrors(cloudCore({}))).toEqual([expect.stringContaining('gitops.argocd.cloudCore.version: gitops.argocd.cloudCore.enabled is true: pin the KubeEdge release')]);
    expect(configErrors(cloudCore({ version: 'v1.10.0' }))).toEqual([expect.stringContaining('gitops.argocd.cloudCore.version: must be a KubeEdge release tag from v1.11.0 on')]);
    expect(configErrors(cloudCore({ version: 'v1.17.0' }, { cloudCoreAddress: null }))).toEqual([expect.stringContaining('edge.cloudCoreAddress: gitops.argocd.cloudCore.enabled is true: set the ' +
      'IP:10000')]);
    expect(configErrors(cloudCore({ version: 'v1.17.0' }, { cloudCoreAddress: 'cloudcore.example.com:10000' }))).toEqual([
      expect.stringContaining('edge.cloudCoreAddress: CloudCore advertises IP addresses only'),
    ]);
  });

  test('names, project, destination and sync policy come from the config', () => {
    const out = synth(variants[1][1]);
    const app = out.get('Application', 'nsfl-platform', 'argocd');
    const tpl = out.get('ApplicationSet', 'nsfl-edge', 'argocd').spec.template;
    for (const spec of [app.spec, tpl.spec]) {
      expect(spec.project).toBe('fl');
      expect(spec.destination).toEqual({ name: 'edge-cluster', namespace: 'neursafe-fl' });
      expect(spec.syncPolicy.automated).toBeUndefined();
    }
    expect(tpl.spec.syncPolicy.syncOptions).not.toContain('ApplyOutOfSyncOnly=true');
    expect(configErrors(withOverrides({ gitops: { argocd: { destination: { name: 'x', server: 'https://x:6443' } } } }))).toEqual([
      expect.stringContaining('gitops.argocd.destination: set either server or name, not both'),
    ]);
  });

  test("the platform's Application reads dist/'s top-level files; the ApplicationSet makes one Application per shard folder", () => {
    const out = synth();
    expect(out.get('Application', 'nsfl-platform', 'argocd').spec.source).toMatchObject({ path: 'dist', directory: { recurse: false } });
    const set = out.get('ApplicationSet', 'nsfl-edge', 'argocd').spec;
    expect(set.generators).toEqual([{ git: { repoURL: 'https://git.example.com/neursafe/fl-platform.git', revision: 'main', directories: [{ path: 'dist/edge/*' }] } }]);
    expect(set.template.metadata.name).toBe('nsfl-edge-{{.path.basename}}');
    const atRoot = synth(withOverrides({ gitops: { argocd: { path: '.' } } })).get('ApplicationSet', 'nsfl-edge', 'argocd').spec;
    expect(atRoot.generators[0].git.directories).toEqual([{ path: 'edge/*' }]);
    expect(set.template.spec.source).toMatchObject({ path: '{{.path.path}}', directory: { recurse: false } });
    expect(set.template.spec.syncPolicy).toEqual({
      automated: { prune: true, selfHeal: true },
      syncOptions: ['CreateNamespace=false', 'PrunePropagationPolicy=foreground', 'ApplyOutOfSyncOnly=true'],
      retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
    });
    // Edge Deployments (Progressing or Degraded while their node is offline) are never in the platform's Application.
    expect(out.objects.filter((o) => o.obj.kind === 'Deployment' && !o.file.includes('/')).map((o) => o.obj.metadata.name)).not.toContain('nsfl-edge-edge-node-1');
  });
});

describe('the edge fleet at any size', () => {
  const big = synth(fleetConfig(100));

  test('one file per node in its shard folder; the largest 10,000-node shard stays far under 10 MB', () => {
    const nodeFiles = [...big.files].filter(([f]) => f.startsWith('edge/') && f !== PORTS_FILE);
    expect(nodeFiles).toHaveLength(100);
    for (const [f] of nodeFiles) expect(f).toBe(edgeFilePath(f.slice(f.lastIndexOf('/') + 1, -'.k8s.yaml'.length), 32));
    // A shard's bytes are the sum of its nodes' files, so the bound is (largest shard at 10,000) x (largest node file).
    const largestNodeFile = Math.max(...nodeFiles.map(([, t]) => Buffer.byteLength(t)));
    const perShard = new Map<string, number>();
    for (let i = 0; i < 10000; i++) {
      const s = shardOf(`device-${String(i).padStart(5, '0')}`, 32);
      perShard.set(s, (perShard.get(s) ?? 0) + 1);
    }
    const largestShard = Math.max(...perShard.values());
    expect(largestShard).toBeLessThan(400);
    expect(largestShard * largestNodeFile).toBeLessThan(ARGO_CD_LIMIT / 2);
  });

  test("the platform's Application does not grow with the fleet", () => {
    const { model } = parseConfig(fleetConfig(3), 'platform.yaml');
    const top = (files: Map<string, string>) => [...files].filter(([f]) => applicationOfFile(model.argoCdNames, f) === model.argoCdNames.platform);
    expect(top(big.files)).toEqual(top(synth(fleetConfig(3)).files));
  });

  test("one node's change touches only its shard's files; adding nodes moves none", () => {
    const text = fleetConfig(40);
    const { model } = parseConfig(text, 'platform.yaml');
    const base = synth(text).files;
    // As the CLI runs it: with the port record of the previous output.
    const next = (t: string) => synth(t, 'platform.yaml', { previousPorts: parsePortRecord(base.get(PORTS_FILE)!) }).files;
    const edited = next(fleetConfig(40, (c) => Object.assign(c.edge.nodes[7], { port: 31000 })));
    const changed = changedFiles(base, edited);
    expect(changed).toEqual([edgeFilePath('device-00007', 32), PORTS_FILE, RECORD_FILE].sort());
    expect(new Set(changed.map((f) => applicationOfFile(model.argoCdNames, f)).filter((a) => a !== undefined)).size).toBe(1);
    const grown = next(fleetConfig(60));
    for (const [f, t] of base) if (f.startsWith('edge/') && f !== PORTS_FILE) expect(grown.get(f)).toBe(t);
  });

  test.each(['metaserver', 'sidecar'])('%s API access: no cluster-scoped object per node', (mode) => {
    const clusterScoped = (n: number) =>
      synth(fleetConfig(n, (c) => (c.edge.apiAccess = { mode })))
        .objects.filter((o) => CLUSTER_SCOPED.has(o.obj.kind))
        .map((o) => idOf(o.obj));
    expect(clusterScoped(30)).toEqual(clusterScoped(2));
  });
});

describe('the kubectl path', () => {
  const { model } = parseConfig(DEFAULT_CONFIG, 'platform.yaml');
  const sidecar = synth(withOverrides({ edge: { apiAccess: { mode: 'sidecar' } } }));

  test('every object but the Argo CD ones carries the labels the command selects; every kind but Namespace may be pruned', () => {
    for (const out of [synth(), sidecar]) {
      for (const { file, obj } of out.objects) {
        if (file.startsWith('argocd/')) continue;
        const l = obj.metadata.labels ?? {};
        expect({ id: idOf(obj), sel: [l['app.kubernetes.io/part-of'], l['fl.neursafe.io/instance']] }).toEqual({ id: idOf(obj), sel: ['neursafe-fl', 'nsfl'] });
        const kind = `${obj.apiVersion.includes('/') ? obj.apiVersion : `core/${obj.apiVersion}`}/${obj.kind}`;
        if (obj.kind === 'Namespace') expect(pruneAllowlist(model)).not.toContain(kind);
        else expect(pruneAllowlist(model)).toContain(kind);
      }
    }
    expect(pruneAllowlist(model).some((k) => k.endsWith('/PersistentVolumeClaim'))).toBe(false);
  });

  test('docs/gitops.md documents exactly that command', () => {
    const page = fs.readFileSync(path.join(ROOT, 'docs', 'gitops.md'), 'utf8');
    expect(page).toContain(kubectlApplyCommand(model));
  });
});
