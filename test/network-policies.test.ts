/**
 * The NetworkPolicies allow exactly the platform's flows: every
 * connection the contract needs is allowed, a sample of those it does not
 * need is denied. Checked with a NetworkPolicy evaluator over the output
 * (test/support/netpol.ts), not a snapshot; the flows below are written from
 * the contract, not read from lib/.
 */
import { apiRuleViolations } from './support/api-rules';
import { validateManifest } from './support/k8s-schema';
import { Endpoint, external, makePod, matchesSelector, NetworkEvaluator, Pod } from './support/netpol';
import { parseConfig } from '../lib/load';
import { REGISTRY } from '../lib/registry';
import { synthFiles } from '../lib/synth';
import { DEFAULT_CONFIG, synth, Synthesized, withOverrides } from './support/platform';

/** Pods the output does not hold: coordinators and executors in `default`, a gateway controller, DNS, a stranger. */
const coordinator = makePod('default-job1', 'default', { app: 'default-job1' }, [{ port: 50051, protocol: 'TCP' }], '10.244.5.1');
const executor = makePod('train-job1-22000-0', 'default', { app: 'train-job1' }, [{ port: 8050, protocol: 'TCP' }], '10.244.5.2');
/** The bundled Gateway's data plane: beside the Gateway "gateway" in the platform namespace, with the GEP-1762 label. */
const gateway = makePod('gateway-istio', 'neursafe-fl', { 'gateway.networking.k8s.io/gateway-name': 'gateway' }, [], '10.244.6.1');
/** A shared Gateway's data plane in a namespace of its own. */
const sharedGateway = makePod('envoy-shared', 'gateway-system', { app: 'envoy', gateway: 'shared' }, [], '10.244.6.2');
/** Anything else started in the platform namespace. */
const intruder = makePod('debug', 'neursafe-fl', { app: 'debug' }, [{ port: 8080, protocol: 'TCP' }], '10.244.6.3');
const dns = makePod('coredns', 'kube-system', { 'k8s-app': 'kube-dns' }, [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }], '10.244.7.1');
const stranger = makePod('web', 'tenant', { app: 'web' }, [], '10.244.8.1');
const outside = external('a user or an edge node', '198.51.100.7');
const apiServer = external('the API server', '192.0.2.1');
const EXTRA = [coordinator, executor, gateway, sharedGateway, intruder, dns, stranger];

function evaluator(out: Synthesized): NetworkEvaluator {
  return new NetworkEvaluator(out.objects.map((o) => o.obj), EXTRA);
}

describe('the bundled config', () => {
  const out = synth();
  const net = evaluator(out);
  const pod = (name: string) => net.pod(name, 'neursafe-fl');
  const [js, mm, selector, proxy, db, tm, minio] = ['nsfl-job-scheduler', 'nsfl-model-manager', 'nsfl-client-selector', 'nsfl-proxy', 'nsfl-database', 'nsfl-task-manager',
    'nsfl-object-storage'].map(pod);
  const setupJobs = ['nsfl-generate-secrets', 'nsfl-database-setup', 'nsfl-node-labeler'].map(pod);
  const platformPods = [...net.pods.values()].filter((p) => p.namespace === 'neursafe-fl' && p !== gateway && p !== intruder);
  const edgeTm = net.pod('nsfl-edge-edge-node-1');

  test('the policies are valid Kubernetes 1.28 objects that pass the API server rules, in their own file', () => {
    const policies = out.objects.filter((o) => o.obj.kind === 'NetworkPolicy');
    expect(policies.length).toBeGreaterThan(5);
    expect(policies.flatMap(({ obj }) => [...validateManifest(obj), ...apiRuleViolations(obj)])).toEqual([]);
    expect(new Set(policies.map((o) => o.file))).toEqual(new Set(['05-network-policies.k8s.yaml']));
    // Opt-in only: nothing in `default`.
    expect(policies.filter((o) => o.obj.metadata.namespace !== 'neursafe-fl')).toEqual([]);
  });

  test('every pod of the platform is isolated both ways, except hostNetwork ones (no policy selects them)', () => {
    expect(platformPods.length).toBeGreaterThan(8);
    for (const p of platformPods) {
      expect({ pod: p.name, ingress: net.isolated(p, 'Ingress'), egress: net.isolated(p, 'Egress') }).toEqual({ pod: p.name, ingress: !p.hostNetwork, egress: !p.hostNetwork });
    }
    expect(edgeTm.hostNetwork).toBe(true);
    // Coordinators and executors are not the platform's to isolate unless asked.
    expect(net.isolated(coordinator, 'Ingress') || net.isolated(coordinator, 'Egress')).toBe(false);
  });

  test('every flow of the contract is allowed', () => {
    const needed: [string, Endpoint, string, string][] = [
      // The API gateway's data plane: the Gateway's pods beside it.
      ['gateway → job scheduler', gateway, 'nsfl-job-scheduler', 'http'],
      ['gateway → model manager', gateway, 'nsfl-model-manager', 'http'],
      // Task managers outside the cluster, through the NodePort.
      ['outside → proxy gRPC (external Service)', outside, 'nsfl-proxy-external', 'grpc'],
      ['job scheduler → proxy HTTP (routes)', js, 'nsfl-proxy', 'http'],
      ['proxy → selector', proxy, 'nsfl-client-selector', 'grpc'],
      ['job scheduler → selector (checks the clients before a job starts)', js, 'nsfl-client-selector', 'grpc'],
      ['job scheduler → model manager', js, 'nsfl-model-manager', 'http'],
      ['coordinator → job scheduler', coordinator, 'nsfl-job-scheduler', 'http'],
      ['coordinator → selector', coordinator, 'nsfl-client-selector', 'grpc'],
      ['coordinator → model manager', coordinator, 'nsfl-model-manager', 'http'],
      ['coordinator → proxy gRPC', coordinator, 'nsfl-proxy', 'grpc'],
      ['coordinator → cloud task manager', coordinator, 'nsfl-task-manager', 'grpc'],
      ['job scheduler → database', js, 'nsfl-database', 'postgres'],
      ['model manager → database', mm, 'nsfl-database', 'postgres'],
      ['cloud task manager → database', tm, 'nsfl-database', 'postgres'],
      ['database set-up → database', net.pod('nsfl-database-setup'), 'nsfl-database', 'postgres'],
      ['edge task manager → database (edge NodePort)', outside, 'nsfl-database-edge', 'postgres'],
      ['cloud task manager → proxy gRPC', tm, 'nsfl-proxy', 'grpc'],
      ['cloud task manager → selector (waits for it)', tm, 'nsfl-client-selector', 'grpc'],
      ['CLI → S3 endpoint (NodePort)', outside, 'nsfl-object-storage', 's3'],
    ];
    const denied = needed.filter(([, src, svc, port]) => !net.allowsService(src, svc, port)).map(([what]) => what);
    expect(denied).toEqual([]);
  });

  test('pods the programs create in `default` are reached, and the API server and DNS from the pods that need them', () => {
    expect(net.allows(js, coordinator, 50051)).toBe(true);
    expect(net.allows(proxy, coordinator, 50051)).toBe(true);
    expect(net.allows(tm, executor, 8050)).toBe(true);
    expect(net.allows(executor, executor, 8050)).toBe(true);
    for (const src of [js, tm, ...setupJobs]) {
      for (const port of [443, 6443]) expect({ src: src.name, port, ok: net.allows(src, apiServer, port) }).toEqual({ src: src.name, port, ok: true });
    }
    for (const src of platformPods) {
      expect({ src: src.name, udp: net.allows(src, dns, 53, 'UDP'), tcp: net.allows(src, dns, 53, 'TCP') }).toEqual({ src: src.name, udp: true, tcp: true });
    }
    // The edge task manager (hostNetwork): coordinators reach it at the node's address and host port.
    expect(net.allows(coordinator, edgeTm, edgeTm.ports[0].port)).toBe(true);
    expect(net.allowsService(edgeTm, 'nsfl-proxy-external', 'grpc')).toBe(true);
  });

  test('a sample of flows the contract does not need is denied', () => {
    const notNeeded: [string, Endpoint, string, string][] = [
      // Only the job scheduler registers routes.
      ...[mm, selector, tm, db, minio, ...setupJobs, coordinator, executor, gateway, stranger, outside].map(
        (src): [string, Endpoint, string, string] => [`${src.name} → proxy HTTP`, src, 'nsfl-proxy', 'http'],
      ),
      ['outside → selector', outside, 'nsfl-client-selector', 'grpc'],
      ['another namespace → selector', stranger, 'nsfl-client-selector', 'grpc'],
      ['outside → job scheduler, bypassing the gateway', outside, 'nsfl-job-scheduler', 'http'],
      // Only the gateway's data plane reaches the API: not every pod of every namespace.
      ['another namespace → job scheduler', stranger, 'nsfl-job-scheduler', 'http'],
      ['another namespace → model manager', stranger, 'nsfl-model-manager', 'http'],
      ['another Gateway\'s data plane → job scheduler', sharedGateway, 'nsfl-job-scheduler', 'http'],
      ['another pod of the platform namespace → job scheduler', intruder, 'nsfl-job-scheduler', 'http'],
      ['another pod of the platform namespace → model manager', intruder, 'nsfl-model-manager', 'http'],
      ['task manager → job scheduler', tm, 'nsfl-job-scheduler', 'http'],
      ['model manager → proxy gRPC', mm, 'nsfl-proxy', 'grpc'],
      ['selector → database', selector, 'nsfl-database', 'postgres'],
      ['proxy → database', proxy, 'nsfl-database', 'postgres'],
      ['job scheduler → cloud task manager', js, 'nsfl-task-manager', 'grpc'],
      ['another namespace → cloud task manager', stranger, 'nsfl-task-manager', 'grpc'],
      ['proxy → model manager', proxy, 'nsfl-model-manager', 'http'],
      ['S3 endpoint → database', minio, 'nsfl-database', 'postgres'],
    ];
    const allowed = notNeeded
      .filter(([, src, svc, port]) => net.allowsService(src, svc, port) || net.allowsService(src, svc, port, { ipBlockMatchesPods: true }))
      .map(([what]) => what);
    expect(allowed).toEqual([]);
    // Egress nobody needs.
    for (const src of [proxy, selector, mm, db, minio]) {
      for (const port of [443, 6443]) expect({ src: src.name, port, ok: net.allows(src, apiServer, port) }).toEqual({ src: src.name, port, ok: false });
    }
    expect(net.allows(selector, stranger, 8080)).toBe(false);
    expect(net.allows(mm, coordinator, 50051)).toBe(false);
    expect(net.allows(tm, coordinator, 50051)).toBe(false);
    expect(net.allows(js, executor, 8050)).toBe(false);
    expect(net.allows(js, outside, 5432)).toBe(false);
  });

  test('into the platform\'s pods, exactly the flows docs/security.md lists, from every source there is', () => {
    // Written from the tables in docs/security.md (Isolation), not from lib/: who may connect to each pod's port.
    // "Anywhere" admits every source whose own egress is not restricted (other namespaces' pods, hostNetwork pods,
    // addresses outside the cluster, the Gateway's data plane), plus the platform pods whose egress the table lists for that port.
    // Coordinators are "any pod in `default`", so executors count as them.
    const coordinators = ['default-job1', 'train-job1-22000-0'];
    const setup = ['nsfl-database-setup', 'nsfl-generate-secrets', 'nsfl-certificate-reloader', 'nsfl-node-labeler'];
    const documented: Record<string, { anywhere?: true; from: string[] }> = {
      'nsfl-job-scheduler:8088': { from: [...coordinators, 'gateway-istio'] },
      'nsfl-model-manager:50057': { from: ['nsfl-job-scheduler', ...coordinators, 'gateway-istio'] },
      'nsfl-client-selector:50055': { from: ['nsfl-proxy', 'nsfl-job-scheduler', 'nsfl-task-manager', ...coordinators] },
      // Task managers outside the cluster, through the NodePort.
      'nsfl-proxy:30091': { anywhere: true, from: ['nsfl-task-manager'] },
      'nsfl-proxy:30092': { from: ['nsfl-job-scheduler'] },
      'nsfl-task-manager:22000': { from: coordinators },
      // The edge NodePort (kube-proxy replaces the client's address); TLS and passwords gate it.
      'nsfl-database:5432': { anywhere: true, from: ['nsfl-job-scheduler', 'nsfl-model-manager', 'nsfl-task-manager', ...setup] },
      // The CLI, through the NodePort.
      'nsfl-object-storage:9000': { anywhere: true, from: [] },
    };
    const sources: Endpoint[] = [...net.pods.values(), outside];
    // The Gateway's data plane beside the platform is left open both ways (docs: the default deny's exceptions).
    const unrestricted = (src: Endpoint) => src.kind === 'external' || !net.isolated(src, 'Egress') || src === gateway;
    const found: string[] = [];
    const expected: string[] = [];
    for (const dst of net.pods.values()) {
      if (dst.namespace !== 'neursafe-fl' || dst.hostNetwork || dst === gateway) continue;
      for (const p of dst.ports) {
        const key = `${dst.name}:${p.port}`;
        const rule = documented[key] ?? { from: [] };
        for (const src of sources) {
          if (src === dst) continue;
          const allowed = (rule.anywhere === true && unrestricted(src)) || rule.from.includes(src.name);
          if (net.allows(src, dst, p.port, p.protocol)) found.push(`${src.name} → ${key}`);
          if (allowed) expected.push(`${src.name} → ${key}`);
        }
      }
    }
    expect(found.sort()).toEqual(expected.sort());
    // Pods with no port, like the set-up Jobs and anything else started in the namespace, accept nothing on any port.
    for (const dst of [...setupJobs, intruder]) expect(sources.filter((src) => src !== dst && net.allows(src, dst, 8080)).map((src) => src.name)).toEqual([]);
  });

  test('out of the platform\'s pods, exactly the flows docs/security.md lists, to every kind of destination', () => {
    // Written from the tables in docs/security.md (Isolation): where each platform pod may connect, probed with
    // an address outside the cluster on common ports, the pods the programs create, DNS and other namespaces' pods.
    const anyAddress = external('any address', '203.0.113.99');
    const probes: [Endpoint, number, string][] = [
      ...[22, 53, 80, 443, 5432, 6443, 8080, 9000, 30091, 30432].map((port): [Endpoint, number, string] => [anyAddress, port, 'TCP']),
      [coordinator, 50051, 'TCP'],
      [executor, 8050, 'TCP'],
      [dns, 53, 'UDP'],
      [dns, 53, 'TCP'],
      [stranger, 8080, 'TCP'],
      [intruder, 8080, 'TCP'],
    ];
    const apiServer = ['any address:443', 'any address:6443'];
    const dnsOnly = ['coredns:53/UDP', 'coredns:53/TCP'];
    const documented: Record<string, string[]> = {
      'nsfl-job-scheduler': [...apiServer, 'default-job1:50051'],
      'nsfl-proxy': ['default-job1:50051'],
      'nsfl-task-manager': [...apiServer, 'train-job1-22000-0:8050'],
      'nsfl-database-setup': apiServer,
      'nsfl-generate-secrets': apiServer,
      'nsfl-certificate-reloader': apiServer,
      'nsfl-node-labeler': apiServer,
    };
    const found: string[] = [];
    const expected: string[] = [];
    for (const src of platformPods) {
      if (src.hostNetwork) continue;
      for (const [dst, port, protocol] of probes) {
        const probe = `${dst.name}:${port}${protocol === 'UDP' || dst === dns ? `/${protocol}` : ''}`;
        if (net.allows(src, dst, port, protocol)) found.push(`${src.name} → ${probe}`);
        if ([...dnsOnly, ...(documented[src.name] ?? [])].includes(probe)) expected.push(`${src.name} → ${probe}`);
      }
    }
    expect(found.sort()).toEqual(expected.sort());
  });

  test('the namespace is the platform\'s own: anything else started there is isolated both ways, the Gateway\'s data plane beside it stays open', () => {
    expect(out.get('NetworkPolicy', 'nsfl-default-deny', 'neursafe-fl').spec.podSelector).toEqual({});
    expect([net.isolated(intruder, 'Ingress'), net.isolated(intruder, 'Egress')]).toEqual([true, true]);
    expect(net.allows(stranger, intruder, 8080)).toBe(false);
    expect(net.allows(intruder, outside, 443)).toBe(false);
    expect(net.allows(intruder, dns, 53, 'UDP')).toBe(false);
    // The data plane's own flows are its implementation's (xDS, its listeners): not the platform's to list.
    expect(net.allows(outside, gateway, 80)).toBe(true);
    expect(net.allows(gateway, external('its control plane', '10.96.0.20'), 15012)).toBe(true);
  });
});

test('without the edge NodePort nothing outside the cluster reaches the database', () => {
  const out = synth(withOverrides({ edge: { nodes: [], databaseAddress: null, cloudCoreAddress: null }, database: { embedded: { edgeNodePort: null } } }));
  const net = evaluator(out);
  const js = net.pod('nsfl-job-scheduler');
  expect(net.allowsService(js, 'nsfl-database', 'postgres')).toBe(true);
  expect(net.allowsService(outside, 'nsfl-database', 'postgres')).toBe(false);
  expect(net.allowsService(stranger, 'nsfl-database', 'postgres')).toBe(false);
  expect(out.all('NetworkPolicy').map((p) => p.metadata.name)).not.toContain('nsfl-edge-task-managers');
});

test('with EdgeMesh instead of the edge NodePort, edge task managers still reach the database (from a node address)', () => {
  const out = synth(withOverrides({ edge: { edgeMesh: true, databaseAddress: null }, database: { embedded: { edgeNodePort: null } } }));
  const net = evaluator(out);
  expect(out.all('Service').map((s) => s.metadata.name)).not.toContain('nsfl-database-edge');
  expect(net.allowsService(outside, 'nsfl-database', 'postgres')).toBe(true);
});

test('the policies follow the ports the Services own: changed ports are allowed, the old ones are not', () => {
  const out = synth(
    withOverrides({
      jobScheduler: { port: 9088 },
      modelManager: { port: 9057 },
      clientSelector: { port: 9055 },
      proxy: { grpcPort: 31001, httpPort: 31002, expose: { nodePort: 31001 }, externalAddress: '203.0.113.10:31001' },
      taskManager: { port: 23000, workerPort: 9050 },
      objectStorage: { port: 9900 },
    }),
  );
  const net = evaluator(out);
  const js = net.pod('nsfl-job-scheduler');
  const tm = net.pod('nsfl-task-manager');
  expect(net.allowsService(gateway, 'nsfl-job-scheduler', 'http')).toBe(true);
  expect(net.allowsService(coordinator, 'nsfl-model-manager', 'http')).toBe(true);
  expect(net.allowsService(coordinator, 'nsfl-client-selector', 'grpc')).toBe(true);
  expect(net.allowsService(js, 'nsfl-proxy', 'http')).toBe(true);
  expect(net.allowsService(outside, 'nsfl-proxy-external', 'grpc')).toBe(true);
  expect(net.allowsService(coordinator, 'nsfl-task-manager', 'grpc')).toBe(true);
  expect(net.allowsService(outside, 'nsfl-object-storage', 's3')).toBe(true);
  expect(net.allows(tm, executor, 9050)).toBe(true);
  const proxy = net.pod('nsfl-proxy');
  for (const [src, dst, port] of [
    [gateway, js, 8088],
    [js, proxy, 30092],
    [outside, proxy, 30091],
    [coordinator, tm, 22000],
    [tm, executor, 8050],
  ] as const) {
    expect({ src: src.name, port, ok: net.allows(src, dst, port) }).toEqual({ src: src.name, port, ok: false });
  }
});

test('an external database, S3 model storage and sidecar API access on the edge: egress by port to their addresses', () => {
  const out = synth(
    withOverrides({
      database: { type: 'postgreSQL', embedded: null, external: { address: 'db.example.com:5433', credentials: { name: 'db' } } },
      modelStorage: { type: 's3', s3: { endpoint: 'https://s3.example.com', credentials: { name: 's3' } } },
      edge: { databaseAddress: 'db.example.com:5433', apiAccess: { mode: 'sidecar', server: 'https://203.0.113.10:6443' } },
    }),
  );
  const net = evaluator(out);
  const [js, mm, tm, setup] = ['nsfl-job-scheduler', 'nsfl-model-manager', 'nsfl-task-manager', 'nsfl-database-setup'].map((n) => net.pod(n));
  const database = external('the database', '203.0.113.50');
  for (const src of [js, mm, tm, setup]) expect({ src: src.name, ok: net.allows(src, database, 5433) }).toEqual({ src: src.name, ok: true });
  expect(net.allows(net.pod('nsfl-proxy'), database, 5433)).toBe(false);
  expect(net.allows(mm, external('S3', '203.0.113.60'), 443)).toBe(true);
  expect(net.allows(js, external('S3', '203.0.113.60'), 443)).toBe(true); // the API server's port: by port, to any address
  expect(net.allows(js, external('S3', '203.0.113.60'), 9000)).toBe(false);
  // Sidecar mode: edge task managers are ordinary pods, isolated where the edge's CNI enforces policies.
  const edgeTm = net.pod('nsfl-edge-edge-node-1');
  expect(edgeTm.hostNetwork).toBe(false);
  expect(net.isolated(edgeTm, 'Egress')).toBe(true);
  expect(net.allows(edgeTm, external('cloud node', '203.0.113.10'), 30091)).toBe(true);
  expect(net.allows(edgeTm, database, 5433)).toBe(true);
  expect(net.allows(edgeTm, external('cloud API', '203.0.113.10'), 6443)).toBe(true);
  expect(net.allows(edgeTm, external('cloud node', '203.0.113.10'), 22)).toBe(false);
  expect(net.allows(outside, edgeTm, edgeTm.ports.find((p) => p.name === 'grpc')!.port)).toBe(true);
  expect(net.allows(outside, edgeTm, 22)).toBe(false);
  // With the opt-in policy in `default`, it still reaches its executors.
  const optIn = evaluator(synth(withOverrides({ networkPolicies: { defaultNamespace: true }, edge: { apiAccess: { mode: 'sidecar' } } })));
  expect(optIn.allows(optIn.pod('nsfl-edge-edge-node-1'), executor, 8050)).toBe(true);
  expect(optIn.allows(optIn.pod('nsfl-model-manager'), executor, 8050)).toBe(false);
});

describe('jobScheduler.coordinatorPort: the port jobs give their coordinators', () => {
  /** A coordinator of a job with `"port": 50061`. */
  const moved = makePod('default-job2', 'default', { app: 'default-job2' }, [{ port: 50061, protocol: 'TCP' }], '10.244.5.3');

  test.each([
    ['in the platform namespace', {}],
    ['and in `default` (networkPolicies.defaultNamespace)', { networkPolicies: { defaultNamespace: true } }],
  ])('the job scheduler (Stop) and the proxy (task results) reach coordinators on the configured port only: %s', (_, extra) => {
    const out = synth(withOverrides({ jobScheduler: { coordinatorPort: 50061 }, ...extra }));
    const net = new NetworkEvaluator(out.objects.map((o) => o.obj), [...EXTRA, moved]);
    const [js, proxy, mm] = ['nsfl-job-scheduler', 'nsfl-proxy', 'nsfl-model-manager'].map((n) => net.pod(n, 'neursafe-fl'));
    expect([net.allows(js, moved, 50061), net.allows(proxy, moved, 50061)]).toEqual([true, true]);
    // The default port is no longer open: a job that keeps 50051 is dropped, as the docs tell job authors.
    expect([net.allows(js, coordinator, 50051), net.allows(proxy, coordinator, 50051)]).toEqual([false, false]);
    expect(net.allows(mm, moved, 50061)).toBe(false);
  });
});

describe('networkPolicies.defaultNamespace (opt-in)', () => {
  const out = synth(withOverrides({ networkPolicies: { defaultNamespace: true } }));
  const net = evaluator(out);
  const pod = (name: string) => net.pod(name, 'neursafe-fl');
  const [js, mm, proxy, tm, db] = ['nsfl-job-scheduler', 'nsfl-model-manager', 'nsfl-proxy', 'nsfl-task-manager', 'nsfl-database'].map(pod);
  const edgeTm = net.pod('nsfl-edge-edge-node-1');

  test('one valid policy in `default` isolates coordinators and executors, never the platform\'s own pods', () => {
    const inDefault = out.all('NetworkPolicy').filter((p) => p.metadata.namespace === 'default');
    expect(inDefault.map((p) => p.metadata.name)).toEqual(['nsfl-coordinators-executors']);
    expect(inDefault.flatMap((p) => [...validateManifest(p), ...apiRuleViolations(p)])).toEqual([]);
    for (const p of [coordinator, executor]) expect([net.isolated(p, 'Ingress'), net.isolated(p, 'Egress')]).toEqual([true, true]);
    expect(matchesSelector(inDefault[0].spec.podSelector, js.labels)).toBe(false);
  });

  test('coordinators and executors keep every flow they need', () => {
    for (const [svc, port] of [['nsfl-job-scheduler', 'http'], ['nsfl-client-selector', 'grpc'], ['nsfl-model-manager', 'http'], ['nsfl-proxy', 'grpc'], ['nsfl-task-manager', 'grpc']]) {
      expect({ svc, ok: net.allowsService(coordinator, svc, port) }).toEqual({ svc, ok: true });
    }
    expect(net.allows(coordinator, dns, 53, 'UDP')).toBe(true);
    expect(net.allows(coordinator, edgeTm, edgeTm.ports[0].port)).toBe(true);
    expect(net.allows(js, coordinator, 50051)).toBe(true);
    expect(net.allows(proxy, coordinator, 50051)).toBe(true);
    expect(net.allows(tm, executor, 8050)).toBe(true);
    expect(net.allows(executor, executor, 8050)).toBe(true);
  });

  test('and nothing else', () => {
    const denied: [string, Endpoint, Pod | Endpoint, number][] = [
      ['outside → coordinator', outside, coordinator, 50051],
      ['another namespace → coordinator', stranger, coordinator, 50051],
      ['model manager → coordinator', mm, coordinator, 50051],
      ['coordinator → database', coordinator, db, 5432],
      ['executor → database', executor, db, 5432],
      ['coordinator → another namespace', coordinator, stranger, 8080],
      ['coordinator → the internet', coordinator, outside, 443],
      ['executor → the API server', executor, apiServer, 6443],
      ['outside → executor', outside, executor, 8050],
    ];
    expect(denied.filter(([, src, dst, port]) => net.allows(src, dst, port, 'TCP', { ipBlockMatchesPods: true })).map(([what]) => what)).toEqual([]);
    expect(net.allowsService(coordinator, 'nsfl-proxy', 'http')).toBe(false);
  });
});

test('networkPolicies.enabled: false writes no policy, and nothing is isolated', () => {
  const out = synth(withOverrides({ networkPolicies: { enabled: false } }));
  expect(out.all('NetworkPolicy')).toEqual([]);
  expect([...out.files.keys()]).not.toContain('05-network-policies.k8s.yaml');
  const net = evaluator(out);
  expect(net.allowsService(outside, 'nsfl-client-selector', 'grpc')).toBe(true);
});

describe('the evaluator', () => {
  const policy = (spec: object, namespace = 'a') => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace }, spec });
  const web = makePod('web', 'a', { app: 'web' }, [{ name: 'http', port: 8080, protocol: 'TCP' }], '10.244.1.1');
  const client = makePod('client', 'b', { app: 'client' }, [], '10.244.2.1');
  const local = makePod('local', 'a', { app: 'client' }, [], '10.244.1.2');

  test('no policy: everything is allowed; an empty ingress list denies all', () => {
    expect(new NetworkEvaluator([], [web, client]).allows(client, web, 8080)).toBe(true);
    const net = new NetworkEvaluator([policy({ podSelector: {}, policyTypes: ['Ingress'] })], [web, client]);
    expect(net.allows(client, web, 8080)).toBe(false);
    expect(net.allows(web, client, 9999)).toBe(true); // egress not isolated
  });

  test('podSelector alone means the policy\'s namespace; with namespaceSelector, both must match', () => {
    const onlyPods = new NetworkEvaluator([policy({ podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }] })], [web, client, local]);
    expect(onlyPods.allows(local, web, 8080)).toBe(true);
    expect(onlyPods.allows(client, web, 8080)).toBe(false);
    const both = new NetworkEvaluator(
      [policy({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'b' } }, podSelector: { matchLabels: { app: 'other' } } }] }] })],
      [web, client],
    );
    expect(both.allows(client, web, 8080)).toBe(false);
  });

  test('named ports resolve on the destination; endPort ranges; protocols', () => {
    const net = new NetworkEvaluator([policy({ podSelector: {}, ingress: [{ ports: [{ port: 'http' }, { port: 9000, endPort: 9010, protocol: 'UDP' }] }] })], [web, client]);
    expect(net.allows(client, web, 8080)).toBe(true);
    expect(net.allows(client, web, 8081)).toBe(false);
    expect(net.allows(client, web, 9005, 'UDP')).toBe(true);
    expect(net.allows(client, web, 9005, 'TCP')).toBe(false);
  });

  test('ipBlock matches addresses outside the pod network (and pods only when asked), minus except', () => {
    const net = new NetworkEvaluator([policy({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['198.51.100.0/24'] } }] }] })], [web, client]);
    expect(net.allows(external('x', '203.0.113.1'), web, 8080)).toBe(true);
    expect(net.allows(outside, web, 8080)).toBe(false);
    expect(net.allows(client, web, 8080)).toBe(false);
    expect(net.allows(client, web, 8080, 'TCP', { ipBlockMatchesPods: true })).toBe(true);
  });

  test('egress needs the source\'s policy too; hostNetwork pods are never selected and match no selector', () => {
    const egress = new NetworkEvaluator([policy({ podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }] }] },
      'b')], [web, client]);
    expect(egress.allows(client, web, 8080)).toBe(false);
    const host: Pod = { ...client, hostNetwork: true, ip: '192.168.0.1' };
    const net = new NetworkEvaluator(
      [policy({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] }), policy({ podSelector: {}, policyTypes: ['Egress'] }, 'b')],
      [web, host],
    );
    expect(net.allows(host, web, 8080)).toBe(false);
    expect(net.isolated(host, 'Egress')).toBe(false);
  });
});

describe('the order the components declare their flows in', () => {
  test('changes no byte of the policies or the picture: a component added or moved reorders no other policy in a Git diff', () => {
    const loaded = parseConfig(DEFAULT_CONFIG, 'platform.yaml');
    // Components that use nothing of each other, in the opposite order.
    const names = ['api-gateway', 'object-storage', 'setup'];
    const moved = REGISTRY.filter((c) => names.includes(c.name)).reverse();
    const reordered = REGISTRY.flatMap((c) => (c.name === names[0] ? moved : names.includes(c.name) ? [] : [c]));
    expect(reordered.map((c) => c.name)).not.toEqual(REGISTRY.map((c) => c.name));
    const before = synthFiles(loaded);
    const after = synthFiles({ ...loaded, components: reordered });
    for (const file of ['05-network-policies.k8s.yaml', 'README.md']) expect(after.get(file)).toBe(before.get(file));
  });
});
