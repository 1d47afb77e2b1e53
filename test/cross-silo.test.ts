/**
 * Cross-silo sites (`remoteSites`): one self-contained folder per site that
 * validates, references nothing outside itself but the one copied TLS Secret
 * and the Secrets the config names, holds no server secret, and gives the
 * task manager everything the platform's code reads; the server's side
 * issues each site's certificate and aims one Argo CD Application at each
 * site's cluster; the config's cross-field rules point at the field.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseConfig } from '../lib/load';
import { applicationOfFile } from '../lib/gitops/argocd';
import { apiRuleViolations } from './support/api-rules';
import { contractViolations } from './support/contract';
import { validateManifest } from './support/k8s-schema';
import { configErrors, containers, DEFAULT_CONFIG, envOf, hostPathAt, issuerOf, plainEnv, ROOT, synth, withOverrides } from './support/platform';

const EXAMPLE = fs.readFileSync(path.join(ROOT, 'examples', 'cross-silo.yaml'), 'utf8');
const out = synth(EXAMPLE);
const { model } = parseConfig(EXAMPLE, 'examples/cross-silo.yaml');
const SITES = [
  { name: 'hospital-a', namespace: 'neursafe-fl', externalAddress: '198.51.100.20:30190', destination: { name: 'hospital-a-prod' }, configSecrets: [] as string[] },
  { name: 'hospital-b', namespace: 'federated-learning', externalAddress: '192.0.2.40:443', destination: { server: 'https://k8s.hospital-b.example.org:6443' }, configSecrets: ['fl-database'] },
];
const SERVER_NS = 'neursafe-fl';

type Obj = Record<string, any>;
/** The objects of a site's folder. */
const siteObjects = (site: string): Obj[] => out.objects.filter((o) => o.file.startsWith(`sites/${site}/`)).map((o) => o.obj);
const podSpecOf = (obj: Obj): Obj | undefined =>
  obj.kind === 'CronJob' ? obj.spec.jobTemplate.spec.template.spec : ['Deployment', 'StatefulSet', 'Job'].includes(obj.kind) ? obj.spec.template.spec : undefined;

/** What a pod spec references, by kind. */
function references(spec: Obj): { Secret: string[]; ConfigMap: string[]; ServiceAccount: string[]; PersistentVolumeClaim: string[] } {
  const refs = { Secret: [] as string[], ConfigMap: [] as string[], ServiceAccount: [] as string[], PersistentVolumeClaim: [] as string[] };
  if (spec.serviceAccountName) refs.ServiceAccount.push(spec.serviceAccountName);
  for (const s of spec.imagePullSecrets ?? []) refs.Secret.push(s.name);
  for (const v of spec.volumes ?? []) {
    if (v.secret) refs.Secret.push(v.secret.secretName);
    if (v.configMap) refs.ConfigMap.push(v.configMap.name);
    if (v.persistentVolumeClaim) refs.PersistentVolumeClaim.push(v.persistentVolumeClaim.claimName);
    for (const src of v.projected?.sources ?? []) {
      if (src.secret) refs.Secret.push(src.secret.name);
      if (src.configMap) refs.ConfigMap.push(src.configMap.name);
    }
  }
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.secretKeyRef) refs.Secret.push(e.valueFrom.secretKeyRef.name);
      if (e.valueFrom?.configMapKeyRef) refs.ConfigMap.push(e.valueFrom.configMapKeyRef.name);
    }
    for (const f of c.envFrom ?? []) {
      if (f.secretRef) refs.Secret.push(f.secretRef.name);
      if (f.configMapRef) refs.ConfigMap.push(f.configMapRef.name);
    }
  }
  return refs;
}

/** Names a site's folder defines, by kind: its objects, the Secrets its generator Job creates, its StatefulSets' claims. */
function defined(objects: readonly Obj[]): Record<string, Set<string>> {
  const byKind: Record<string, Set<string>> = {};
  const add = (kind: string, name: string) => (byKind[kind] ??= new Set()).add(name);
  for (const o of objects) add(o.kind, o.metadata.name);
  // The generator Job creates exactly the Secrets its Role may read.
  for (const role of objects.filter((o) => o.kind === 'Role' && o.metadata.name.endsWith('-generate-secrets'))) {
    for (const rule of role.rules) if (rule.resources.includes('secrets') && rule.resourceNames) rule.resourceNames.forEach((n: string) => add('Secret', n));
  }
  for (const sts of objects.filter((o) => o.kind === 'StatefulSet')) {
    for (const t of sts.spec.volumeClaimTemplates ?? []) add('PersistentVolumeClaim', `${t.metadata.name}-${sts.metadata.name}-0`);
  }
  return byKind;
}

test('the example synthesizes one folder per site, and the server-side files', () => {
  expect([...out.files.keys()].filter((f) => f.startsWith('sites/')).sort()).toEqual(['sites/hospital-a/site.k8s.yaml', 'sites/hospital-b/site.k8s.yaml']);
  expect(out.files.has('25-remote-sites.k8s.yaml')).toBe(true);
  expect(out.files.has('argocd/remote-sites.k8s.yaml')).toBe(true);
});

describe.each(SITES)('site $name', (site) => {
  const objects = siteObjects(site.name);
  const instance = `nsfl-site-${site.name}`;
  const tlsSecret = `${instance}-tls`;

  test('every object validates against the Kubernetes schemas and the API server rules', () => {
    expect(objects.length).toBeGreaterThan(10);
    expect(objects.flatMap((o) => [...validateManifest(o), ...apiRuleViolations(o)])).toEqual([]);
  });

  test("every object is the site's: in its namespace (or `default`, where its executors run, or cluster-scoped), of its instance", () => {
    for (const o of objects) {
      expect([o.kind, o.metadata.namespace === undefined || o.metadata.namespace === site.namespace || o.metadata.namespace === 'default']).toEqual([o.kind, true]);
      expect(o.metadata.labels['fl.neursafe.io/instance']).toBe(instance);
      if (o.metadata.namespace === 'default') expect(['Role', 'RoleBinding']).toContain(o.kind);
    }
    const ns = objects.find((o) => o.kind === 'Namespace')!;
    expect(ns.metadata.name).toBe(site.namespace);
    expect(ns.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
    expect(objects[0].kind).toBe('Namespace');
  });

  test('self-contained: every Secret, ConfigMap, ServiceAccount and claim a pod references is in the folder, but the copied TLS Secret and the Secrets the config names', () => {
    const have = defined(objects);
    const missing: string[] = [];
    for (const o of objects) {
      const spec = podSpecOf(o);
      if (!spec) continue;
      for (const [kind, names] of Object.entries(references(spec))) {
        for (const n of names) {
          if (kind === 'Secret' && (n === tlsSecret || site.configSecrets.includes(n))) continue;
          if (!have[kind]?.has(n)) missing.push(`${o.kind} ${o.metadata.name} references ${kind} ${n}`);
        }
      }
    }
    expect(missing).toEqual([]);
    // RBAC: every binding names a role and accounts of the folder.
    for (const b of objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
      expect(have[b.roleRef.kind]?.has(b.roleRef.name)).toBe(true);
      for (const s of b.subjects) expect([s.kind, have[s.kind]?.has(s.name), s.namespace]).toEqual(['ServiceAccount', true, site.namespace]);
    }
  });

  test('holds no server secret: not the CA, the server database, the route token or any program certificate of the server', () => {
    const text = out.files.get(`sites/${site.name}/site.k8s.yaml`)!;
    const serverSecrets = out.all('Secret').map((s) => s.metadata.name);
    const forbidden = ['nsfl-ca', 'nsfl-database', 'nsfl-route-token', 'nsfl-object-storage', 'nsfl-proxy-tls', 'nsfl-task-manager-tls', 'nsfl-database-tls', 'nsfl-db-task-manager', ...serverSecrets];
    const referenced = objects.flatMap((o) => (podSpecOf(o) ? references(podSpecOf(o)!).Secret : []));
    for (const name of forbidden) {
      expect(referenced).not.toContain(name);
      expect(text).not.toMatch(new RegExp(`[\\s:"]${name.replace(/[-]/g, '\\-')}["\\s\\n]`));
    }
    // Every Secret it references is its own, its copied certificate, or one the config names.
    for (const name of referenced) expect(name.startsWith(`${instance}-`) || site.configSecrets.includes(name)).toBe(true);
    expect(objects.some((o) => o.kind === 'Certificate' || o.kind === 'Issuer')).toBe(false);
  });

  const tm = objects.find((o) => o.kind === 'Deployment' && o.metadata.labels['app.kubernetes.io/component'] === 'task-manager')!;
  const c = containers(tm).find((x) => x.name === 'task-manager');
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === tm.spec.template.spec.volumes.find((v: Obj) => v.name === 'config').configMap.name)!;
  const setup = JSON.parse(cm.data['task_manager_setup.json']);

  test("the task manager gets every variable the platform's code reads (client/, resource_manager/, libs/db)", () => {
    const plain = plainEnv(c);
    expect(plain).toMatchObject({ PLATFORM: 'k8s', CONTAINER_EXECUTOR_IMAGE: 'docker.io/neursafe/nsfl-client-cpu:0.1.0', WORKER_PORT: '8050', DB_COLLECTION_NAME: 'tasks', DB_NAME: 'neursafe_fl' });
    expect(plain.CLUSTER_LABEL_KEY).toBe('kubernetes.io/cluster_id');
    expect(plain.CLUSTER_LABEL_VALUE).toBe(site.name);
    expect(plain.K8S_ADDRESS).toMatch(/^127\.0\.0\.1:\d+$/);
    for (const name of ['DB_TYPE', 'DB_ADDRESS']) expect(typeof plain[name]).toBe('string');
    for (const name of ['DB_USERNAME', 'DB_PASSWORD']) expect(envOf(c, name).secretKeyRef).toBeDefined();
    // It runs where its executors may run: on the nodes labelled for the site.
    const terms = tm.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions;
    expect(terms).toContainEqual({ key: 'kubernetes.io/cluster_id', operator: 'In', values: [site.name] });
  });

  test('task_manager_setup.json: every key with the types the program expects; external_address is the site\'s, server the tunnel to the proxy\'s external address', () => {
    expect(setup).toMatchObject({ platform: 'k8s', registration: 'true', host: '0.0.0.0', external_address: site.externalAddress, server: '127.0.0.1:21091' });
    expect(typeof setup.port).toBe('number');
    expect(setup.storage_quota).toBe(20480);
    expect(setup.runtime).toBe('pytorch');
    for (const key of ['lmdb_path', 'workspace', 'task_config_entry', 'datasets', 'ssl']) expect(typeof setup[key]).toBe('string');
    expect(cm.data['tls-tunnel.conf']).toContain('proxy_pass 203.0.113.10:30091;');
    expect(cm.data['tls-tunnel.conf']).toContain('proxy_ssl_name proxy.nsfl.internal;');
    expect(c.command).toEqual(['python3.7', '-m', 'neursafe_fl.python.client.app', '--config_file', '/etc/neursafe-fl/task_manager_setup.json']);
    expect(c.ports[0].containerPort).toBe(setup.port);
    // The site folders are mounted at their host paths (executors mount the same paths).
    for (const key of ['lmdb_path', 'workspace', 'task_config_entry']) expect({ key, host: hostPathAt(tm.spec.template.spec, c, setup[key]) }).toEqual({ key, host: setup[key] });
  });

  test("the external Service forwards externalAddress's port to the task manager's port", () => {
    const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name.endsWith('-task-manager-external'))!;
    const port = Number(site.externalAddress.split(':')[1]);
    const p = svc.spec.ports[0];
    expect(p.targetPort).toBe('grpc');
    expect(c.ports.find((x: Obj) => x.name === 'grpc').containerPort).toBe(setup.port);
    if (svc.spec.type === 'NodePort') expect(p.nodePort).toBe(port);
    else expect([svc.spec.type, p.port]).toEqual(['LoadBalancer', port]);
    expect(svc.spec.selector).toEqual(tm.spec.selector.matchLabels);
  });

  test('its certificate is issued in the server cluster by the platform\'s issuer, with the subject the proxy admits; the site mounts the copied Secret', () => {
    const cert = out.get('Certificate', tlsSecret, SERVER_NS);
    expect(out.objects.find((o) => o.obj === cert)!.file).toBe('25-remote-sites.k8s.yaml');
    expect(cert.spec).toMatchObject({ secretName: tlsSecret, commonName: 'fl_task_manager' });
    expect(issuerOf(cert)).toEqual({ group: 'cert-manager.io', kind: 'Issuer', name: 'nsfl-ca' });
    expect(cert.spec.ipAddresses ?? cert.spec.dnsNames).toContain(site.externalAddress.split(':')[0]);
    const nginx: string = out.get('ConfigMap', 'nsfl-proxy', SERVER_NS).data['nginx.conf'];
    expect(nginx).toContain(`"CN=${cert.spec.commonName}" 127.0.0.1:`);
    expect(references(tm.spec.template.spec).Secret).toContain(tlsSecret);
  });

  test("its Argo CD Application deploys the folder to the site's cluster, with the platform's safety rules", () => {
    const app = out.get('Application', `nsfl-remote-${site.name}`, 'argocd');
    expect(app.spec.destination).toEqual({ ...site.destination, namespace: site.namespace });
    expect(app.spec.source).toMatchObject({ path: `dist/sites/${site.name}`, repoURL: 'https://git.example.com/fl/platform-manifests.git', targetRevision: 'main', directory: { recurse: false } });
    expect(app.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    expect(app.spec.syncPolicy.retry.limit).toBeGreaterThan(0);
    expect(app.spec.syncPolicy.syncOptions).toContain('CreateNamespace=false');
    expect(validateManifest(app)).toEqual([]);
    expect(applicationOfFile(model.argoCdNames, `sites/${site.name}/site.k8s.yaml`)).toBe(app.metadata.name);
    // Never the instance label's value, which label tracking would read as ownership.
    expect(app.metadata.name).not.toBe(instance);
  });

  test("its NetworkPolicies: a default deny for the whole namespace, the task manager open to coordinators and out to the proxy's port", () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const deny = policies.find((p) => p.metadata.name.endsWith('-default-deny'))!;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const own = policies.find((p) => p.metadata.name === `${instance}-task-manager`)!;
    expect(own.spec.ingress).toContainEqual({ ports: [{ port: 'grpc', protocol: 'TCP' }] });
    expect(JSON.stringify(own.spec.egress)).toContain('{"port":30091,"protocol":"TCP"}');
  });
});

test('the whole output keeps the platform contract and validates', () => {
  expect(out.objects.flatMap(({ file, obj }) => [...validateManifest(obj), ...apiRuleViolations(obj)].map((e) => `${file}: ${e}`))).toEqual([]);
  expect(contractViolations(out)).toEqual([]);
});

test('every file is claimed by exactly one Application, or by none (argocd/)', () => {
  const apps = new Set(out.all('Application').map((a) => a.metadata.name));
  for (const file of out.files.keys()) {
    const app = applicationOfFile(model.argoCdNames, file);
    if (app === undefined) continue;
    if (!file.startsWith('edge/')) expect([file, apps.has(app)]).toEqual([file, true]);
  }
});

test('without remoteSites the output has no site folder and no remote-sites file', () => {
  const plain = synth(DEFAULT_CONFIG);
  expect([...plain.files.keys()].filter((f) => f.startsWith('sites/') || f.includes('remote-sites'))).toEqual([]);
});

test("coordinators may reach the sites' external ports (the flows the NetworkPolicies of `default` are drawn from)", () => {
  const withDefault = synth(withOverrides({ networkPolicies: { defaultNamespace: true } }, EXAMPLE));
  const policy = withDefault.all('NetworkPolicy').find((p) => p.metadata.namespace === 'default')!;
  const egress = JSON.stringify(policy.spec.egress);
  expect(egress).toContain('{"port":443,"protocol":"TCP"}');
  expect(egress).toContain('{"port":30190,"protocol":"TCP"}');
});

test("the server's placement and volumes are not applied to a site's pods (they run in the site's cluster)", () => {
  const placed = synth(
    withOverrides(
      {
        workloads: { nodeSelector: { 'example.com/pool': 'fl' }, tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] },
        database: { embedded: { nodeSelector: { 'example.com/disk': 'ssd' } } },
      },
      EXAMPLE,
    ),
  );
  for (const { file, obj } of placed.objects.filter((o) => o.file.startsWith('sites/'))) {
    const spec = podSpecOf(obj);
    if (!spec) continue;
    expect([file, obj.metadata.name, spec.nodeSelector, spec.tolerations]).toEqual([file, obj.metadata.name, undefined, undefined]);
  }
  // The server's own pods do get them.
  expect(placed.get('StatefulSet', 'nsfl-database', SERVER_NS).spec.template.spec.nodeSelector).toEqual({ 'example.com/pool': 'fl', 'example.com/disk': 'ssd' });
});

describe('the cross-field rules, located at the field', () => {
  const site = (extra: Record<string, unknown> = {}) => ({ name: 'a', externalAddress: '198.51.100.1:30190', destination: { name: 'a' }, port: 22100, ...extra });
  const errs = (remoteSites: unknown, more: Record<string, unknown> = {}) => configErrors(withOverrides({ proxy: { externalAddress: '203.0.113.10:30091' }, remoteSites, ...more }));

  test('a repeated name or address', () => {
    expect(errs({ sites: [site(), site()] }).join('\n')).toMatch(/remoteSites\.sites\[1\]\.name: remote site "a" is already defined at remoteSites\.sites\[0\]/);
    expect(errs({ sites: [site(), site({ name: 'b' })] }).join('\n')).toMatch(/remoteSites\.sites\[1\]\.externalAddress: "198\.51\.100\.1:30190" is already the externalAddress/);
  });

  test('a NodePort outside the range, source ranges on a NodePort, an external database without its address', () => {
    const nodePort = errs({ sites: [site({ externalAddress: '198.51.100.1:443' })] }).join('\n');
    expect(nodePort).toMatch(/platform\.yaml:\d+:\d+: error: remoteSites\.sites\[0\]\.externalAddress: .*NodePort, which must be in 30000-32767/);
    expect(errs({ sites: [site({ expose: { sourceRanges: ['203.0.113.0/24'] } })] }).join('\n')).toMatch(/remoteSites\.sites\[0\]\.expose\.sourceRanges: only a LoadBalancer/);
    expect(errs({ sites: [site({ database: { type: 'postgreSQL' } })] }).join('\n')).toMatch(/remoteSites\.sites\[0\]\.database\.external: database\.type is "postgreSQL"/);
  });

  test('no proxy address, a site in `default`, and with Argo CD no destination', () => {
    expect(configErrors(withOverrides({ proxy: { externalAddress: null }, remoteSites: { sites: [site()] } })).join('\n')).toMatch(/proxy\.externalAddress: remoteSites is not empty/);
    expect(errs({ sites: [site({ namespace: 'default' })] }).join('\n')).toMatch(/remoteSites\.sites\[0\]\.namespace: must not be "default"/);
    const noDestination = errs({ sites: [{ name: 'a', externalAddress: '198.51.100.1:30190' }] }, { gitops: { argocd: { enabled: true, repoURL: 'https://git.example.com/x.git' } } });
    expect(noDestination.join('\n')).toMatch(/remoteSites\.sites\[0\]\.destination: gitops\.argocd\.enabled is true/);
  });

  test('schema errors carry the path: a name that is no DNS label, both server and name', () => {
    expect(errs({ sites: [site({ name: 'Not_A_Label' })] }).join('\n')).toMatch(/remoteSites\.sites\[0\]\.name:/);
    expect(errs({ sites: [site({ destination: { name: 'a', server: 'https://k.example.org' } })] }).join('\n')).toMatch(/remoteSites\.sites\[0\]\.destination: set either server or name, not both/);
  });

  test('a port of its own: not the cloud task manager\'s, another site\'s or an edge node\'s (task ids contain it)', () => {
    expect(errs({ sites: [site({ port: undefined })] }).join('\n')).toMatch(/remoteSites\.sites\[0\]: port 22000 of remote site "a" is already used by the cloud task manager/);
    const two = errs({ sites: [site(), site({ name: 'b', externalAddress: '198.51.100.2:30190' })] }).join('\n');
    expect(two).toMatch(/remoteSites\.sites\[1\]\.port: port 22100 of remote site "b" is already used by remote site "a"/);
    const edge = configErrors(withOverrides({ remoteSites: { sites: [site()] }, edge: { nodes: [{ name: 'n1', address: '192.0.2.5', port: 22100 }] } }));
    expect(edge.join('\n')).toMatch(/edge\.nodes\[0\]\.port: port 22100 is already used by remote site "a"/);
  });

  test('images, environment and site folders follow the rules the cloud task manager\'s do', () => {
    const found = errs({ defaults: { image: 'registry.example.com/tm:latest' }, sites: [site()] }).join('\n');
    expect(found).toMatch(/remoteSites\.defaults\.image: image "registry\.example\.com\/tm:latest" uses the mutable tag/);
    expect(errs({ sites: [site({ env: { PLATFORM: 'linux' } })] }).join('\n')).toMatch(/remoteSites\.sites\[0\]\.env\.PLATFORM: PLATFORM is set by the generator/);
    const dirs = errs({ sites: [site({ dirs: { lmdb: '/data/x', workspace: '/data/x' } })] }).join('\n');
    expect(dirs).toMatch(/remoteSites\.sites\[0\]\.dirs\.workspace: the workspace folder "\/data\/x" is the same path as remoteSites\.sites\[0\]\.dirs\.lmdb/);
  });

  test("an image per architecture: the site's arch picks it, and an arch without one is refused", () => {
    expect(errs({ sites: [site({ arch: 'arm64' })] }).join('\n')).toMatch(/remoteSites\.sites\[0\]\.arch: the site's nodes are arm64 but no task manager image is set for arm64/);
    const images = { amd64: 'registry.example.com/tm:1', arm64: 'registry.example.com/tm-arm:1' };
    const arm = synth(withOverrides({ proxy: { externalAddress: '203.0.113.10:30091' }, remoteSites: { defaults: { images }, sites: [site({ arch: 'arm64' })] } }));
    const tm = containers(arm.get('Deployment', 'nsfl-site-a-task-manager')).find((x) => x.name === 'task-manager');
    expect([tm.image, plainEnv(tm).CONTAINER_EXECUTOR_IMAGE]).toEqual([images.arm64, images.arm64]);
  });

  test('a valid site passes, and defaults apply under the site\'s own fields', () => {
    expect(errs({ defaults: { logLevel: 'DEBUG', env: { A: '1' } }, sites: [site({ env: { B: '2' } })] })).toEqual([]);
    const one = synth(withOverrides({ proxy: { externalAddress: '203.0.113.10:30091' }, remoteSites: { defaults: { logLevel: 'DEBUG', env: { A: '1' } }, sites: [site({ env: { B: '2' } })] } }));
    const tm = containers(one.get('Deployment', 'nsfl-site-a-task-manager')).find((x) => x.name === 'task-manager');
    expect(plainEnv(tm)).toMatchObject({ A: '1', B: '2' });
    expect(JSON.parse(one.get('ConfigMap', 'nsfl-site-a-task-manager').data['task_manager_setup.json']).log_level).toBe('DEBUG');
  });
});

describe.each([
  ['TLS off', { tls: { enabled: false } }],
  ['NetworkPolicies off', { networkPolicies: { enabled: false } }],
  ['certificates you bring', { tls: { certificates: 'existing' } }],
  ['no Argo CD', { gitops: { argocd: { enabled: false } } }],
])('%s', (_name, overrides) => {
  const variant = synth(withOverrides(overrides, EXAMPLE));

  test.each(SITES)('site $name still validates and references nothing outside its folder but what the config names', (site) => {
    const objects = variant.objects.filter((o) => o.file.startsWith(`sites/${site.name}/`)).map((o) => o.obj);
    expect(objects.flatMap((o) => [...validateManifest(o), ...apiRuleViolations(o)])).toEqual([]);
    const have = defined(objects);
    const tls = (overrides as Obj).tls?.enabled === false ? [] : [`nsfl-site-${site.name}-tls`];
    const missing = objects.flatMap((o) => {
      const spec = podSpecOf(o);
      if (!spec) return [];
      return Object.entries(references(spec)).flatMap(([kind, names]) =>
        names.filter((n) => !have[kind]?.has(n) && !(kind === 'Secret' && [...tls, ...site.configSecrets].includes(n))).map((n) => `${o.metadata.name}: ${kind} ${n}`),
      );
    });
    expect(missing).toEqual([]);
  });

  test('the server issues a certificate per site only when cert-manager issues the certificates', () => {
    const issued = variant.all('Certificate').filter((c) => c.metadata.name.startsWith('nsfl-site-'));
    expect(issued.length).toBe((overrides as Obj).tls === undefined ? 2 : 0);
    expect(variant.files.has('argocd/remote-sites.k8s.yaml')).toBe((overrides as Obj).gitops === undefined);
  });
});
