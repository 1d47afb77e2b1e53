/**
 * The edge fleet: one pinned, offline-tolerant task manager per KubeEdge
 * node, in a file of its own, with what labels the node.
 */
import { parseConfig } from '../lib/load';
import { parsePortRecord } from '../lib/outdir/port-record';
import { PORTS_FILE } from '../lib/resolve/ports';
import { RECORD_FILE } from '../lib/incremental/record';
import { edgeFilePath } from '../lib/edge/shards';
import { OVERVIEW_FILE } from '../lib/overview/readme';
import { configErrors, envOf, hostPathAt, synth, withOverrides } from './support/platform';

const ns = 'neursafe-fl';

/** An edge fleet config: the bundled platform with these nodes (and edge overrides). */
function fleet(nodes: object[], edge: Record<string, unknown> = {}): string {
  return withOverrides({ edge: { ...edge, nodes } });
}


const node = (name: string, i: number, extra: object = {}) => ({ name, address: `192.0.2.${i}`, ...extra });

/** A node's file under the default 32 shards (gitops.edgeShards). */
const fileOf = (nodeName: string) => edgeFilePath(nodeName, 32);

describe('the bundled fleet', () => {
  const out = synth();
  const edgeDeployments = out.all('Deployment').filter((d) => d.metadata.labels['fl.neursafe.io/site'] !== undefined && d.metadata.name.includes('-edge-'));

  test('has at least two edge nodes, each with its own file', () => {
    expect(edgeDeployments.map((d) => d.metadata.name)).toEqual(['nsfl-edge-edge-node-1', 'nsfl-edge-edge-node-2']);
    for (const n of ['edge-node-1', 'edge-node-2']) {
      const inFile = out.objects.filter((o) => o.file === fileOf(n)).map((o) => `${o.obj.kind}/${o.obj.metadata.name}`);
      expect(inFile).toEqual(expect.arrayContaining([`Deployment/nsfl-edge-${n}`, `ConfigMap/nsfl-edge-${n}`]));
      // Nothing of this node lives anywhere else.
      expect(out.objects.filter((o) => o.file !== fileOf(n) && JSON.stringify(o.obj).includes(n))).toEqual([]);
    }
  });

  test.each(['edge-node-1', 'edge-node-2'])('%s: pinned, singleton, Recreate, tolerates an offline node, hostPort = containerPort', (n) => {
    const d = out.get('Deployment', `nsfl-edge-${n}`, ns);
    const spec = d.spec.template.spec;
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(spec.nodeSelector).toEqual({ 'kubernetes.io/hostname': n });
    expect(spec.affinity).toBeUndefined();
    for (const key of ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready']) {
      const t = spec.tolerations.find((x: any) => x.key === key);
      expect(t).toEqual({ key, operator: 'Exists', effect: 'NoExecute' });
    }
    const tm = spec.containers.find((c: any) => c.name === 'task-manager');
    expect(tm.ports).toHaveLength(1);
    expect(tm.ports[0].hostPort).toBe(tm.ports[0].containerPort);
  });

  test('the mounted setup file has the node address and host port as external_address, and the proxy external address as server', () => {
    // edge.defaults.port is where allocation starts: each node gets a port of its own, past the proxy's 30091 and 30092.
    const expected: Record<string, [string, number]> = { 'edge-node-1': ['192.0.2.11:30090', 30090], 'edge-node-2': ['192.0.2.12:30093', 30093] };
    for (const [n, [addr, port]] of Object.entries(expected)) {
      const cm = out.get('ConfigMap', `nsfl-edge-${n}`, ns);
      const setup = JSON.parse(cm.data['task_manager_setup.json']);
      expect(setup.external_address).toBe(addr);
      expect(setup.port).toBe(port);
      // The program reaches the proxy (203.0.113.10:30091) through its TLS tunnel (test/tls.test.ts).
      expect(setup.server).toBe('127.0.0.1:21091');
      const d = out.get('Deployment', `nsfl-edge-${n}`, ns);
      const tm = d.spec.template.spec.containers.find((c: any) => c.name === 'task-manager');
      const mount = tm.volumeMounts.find((m: any) => m.name === 'config');
      expect(tm.command.at(-1)).toBe(`${mount.mountPath}/task_manager_setup.json`);
      expect(d.spec.template.spec.volumes.find((v: any) => v.name === 'config').configMap.name).toBe(cm.metadata.name);
    }
  });

  test('metaserver mode: hostNetwork, the node-local API on 127.0.0.1:10550, no sidecar, no token', () => {
    const spec = out.get('Deployment', 'nsfl-edge-edge-node-1', ns).spec.template.spec;
    expect(spec.hostNetwork).toBe(true);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.serviceAccountName).toBeUndefined();
    expect(spec.containers.map((c: any) => c.name)).toEqual(['tls-tunnel', 'task-manager']);
    const tm = out.withEnvFrom(spec.containers.find((c: any) => c.name === 'task-manager'));
    expect(envOf(tm, 'K8S_ADDRESS')).toBe('127.0.0.1:10550');
    expect(envOf(tm, 'K8S_API_PROTOCOL')).toBe('http');
    expect(envOf(tm, 'PLATFORM')).toBe('k8s');
    expect(envOf(tm, 'CLUSTER_LABEL_VALUE')).toBe('edge-node-1');
  });

  test('site folders are the node\'s own paths, mounted at the same paths', () => {
    const d = out.get('Deployment', 'nsfl-edge-edge-node-1', ns);
    const spec = d.spec.template.spec;
    const tm = spec.containers.find((c: any) => c.name === 'task-manager');
    for (const p of ['/var/lib/neursafe-fl/lmdb', '/var/lib/neursafe-fl/workspace', '/var/lib/neursafe-fl/datasets', '/var/lib/neursafe-fl/task-configs']) {
      expect({ p, host: hostPathAt(spec, tm, p) }).toEqual({ p, host: p });
    }
    // At their default names, the four folders are one volume, their root, created if missing; the init container
    // creates the folders in it.
    expect(spec.volumes.filter((v: any) => v.hostPath)).toEqual([{ name: 'site-dirs', hostPath: { path: '/var/lib/neursafe-fl', type: 'DirectoryOrCreate' } }]);
    expect(spec.initContainers[0].command[2]).toContain('cd /var/lib/neursafe-fl; mkdir -p lmdb workspace datasets task-configs;');
  });

  test('a folder set elsewhere: each folder is a volume of its own at its host path, none at the root', () => {
    const moved = synth(fleet([node('n1', 1, { dirs: { datasets: '/data/sets' } })]));
    const spec = moved.get('Deployment', 'nsfl-edge-n1', ns).spec.template.spec;
    const tm = spec.containers.find((c: any) => c.name === 'task-manager');
    const hostPaths = spec.volumes.filter((v: any) => v.hostPath).map((v: any) => v.hostPath.path).sort();
    expect(hostPaths).toEqual(['/data/sets', '/var/lib/neursafe-fl/lmdb', '/var/lib/neursafe-fl/task-configs', '/var/lib/neursafe-fl/workspace']);
    for (const p of ['/var/lib/neursafe-fl/lmdb', '/data/sets']) expect({ p, host: hostPathAt(spec, tm, p) }).toEqual({ p, host: p });
    expect(spec.initContainers[0].command[2]).not.toContain('mkdir');
  });

  test('images by architecture and small-device resources', () => {
    const img = (n: string) => out.withEnvFrom(out.get('Deployment', `nsfl-edge-${n}`, ns).spec.template.spec.containers.find((c: any) => c.name === 'task-manager'));
    expect(img('edge-node-1').image).toBe('docker.io/neursafe/nsfl-client-cpu:0.1.0');
    expect(img('edge-node-2').image).toBe('docker.io/neursafe/nsfl-client-cpu-arm64:0.1.0');
    expect(envOf(img('edge-node-2'), 'CONTAINER_EXECUTOR_IMAGE')).toBe('docker.io/neursafe/nsfl-client-cpu-arm64:0.1.0');
    expect(img('edge-node-1').resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    expect(img('edge-node-2').resources.limits.memory).toBe('384Mi');
  });

  test('edge pods reach the database on the address given for the edge, exposed by a NodePort', () => {
    const tm = out.withEnvFrom(out.get('Deployment', 'nsfl-edge-edge-node-1', ns).spec.template.spec.containers.find((c: any) => c.name === 'task-manager'));
    // edge.databaseAddress is an IP address: libpq connects there (PGHOSTADDR) and verifies the name in DB_ADDRESS,
    // which the database's certificate carries (libpq before PostgreSQL 14 never matches an IP address in a certificate).
    expect(envOf(tm, 'PGHOSTADDR')).toBe('203.0.113.10');
    expect(envOf(tm, 'DB_ADDRESS')).toBe('database.nsfl.internal:30432');
    const dbCert = out.all('Certificate').find((c) => c.spec.secretName === 'nsfl-database-tls');
    expect(dbCert.spec.dnsNames).toContain('database.nsfl.internal');
    expect(out.get('Service', 'nsfl-database-edge', ns).spec).toMatchObject({ type: 'NodePort', ports: [expect.objectContaining({ nodePort: 30432, port: 5432 })] });
    // One init container: the site's datasets file, then the database, then the proxy, each waited for in turn.
    const init = out.get('Deployment', 'nsfl-edge-edge-node-1', ns).spec.template.spec.initContainers;
    expect(init.map((c: any) => c.name)).toEqual(['prepare-site']);
    const script: string = init[0].command[2];
    const at = (s: string) => script.indexOf(s);
    expect(at('datasets.json')).toBeGreaterThan(-1);
    // The wait loop is written once, as a function called for each service in turn.
    expect(script).toContain('wait_for() { until nc -w 2 $2 $3 </dev/null >/dev/null 2>&1; do echo "waiting for $1 at $2:$3"; sleep 2; done; }');
    expect(at('wait_for database 203.0.113.10 30432')).toBeGreaterThan(at('datasets.json'));
    expect(at('wait_for proxy 203.0.113.10 30091')).toBeGreaterThan(at('wait_for database 203.0.113.10 30432'));
    // Root, to write into the host path; nothing else is written.
    expect(init[0].securityContext).toMatchObject({ runAsUser: 0, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  test("the edge nodes' TLS tunnel reads its nginx.conf from the fleet's one ConfigMap, which holds nothing secret", () => {
    const shared = out.get('ConfigMap', 'nsfl-tunnel-edge', ns);
    expect(Object.keys(shared.data)).toEqual(['tls-tunnel.conf']);
    expect(out.objects.find((o) => o.obj.kind === 'ConfigMap' && o.obj.metadata.name === 'nsfl-tunnel-edge')!.file).toBe('30-edge.k8s.yaml');
    for (const node of ['edge-node-1', 'edge-node-2']) {
      expect(Object.keys(out.get('ConfigMap', `nsfl-edge-${node}`, ns).data)).toEqual(['labels', 'node', 'task_manager_setup.json']);
      const spec = out.get('Deployment', `nsfl-edge-${node}`, ns).spec.template.spec;
      const tunnel = spec.containers.find((c: any) => c.name === 'tls-tunnel');
      const mount = tunnel.volumeMounts.find((m: any) => m.subPath === 'tls-tunnel.conf');
      expect(spec.volumes.find((v: any) => v.name === mount.name).configMap).toEqual({ name: 'nsfl-tunnel-edge' });
    }
  });

  test("node labels: in each node's task manager ConfigMap, one labeler CronJob that labels only the nodes whose labels differ", () => {
    const cm = out.get('ConfigMap', 'nsfl-edge-edge-node-1', ns);
    expect(cm.data).toMatchObject({ node: 'edge-node-1', labels: 'kubernetes.io/cluster_id=edge-node-1' });
    expect(cm.metadata.labels['fl.neursafe.io/node-labels']).toBe('true');
    // The pod mounts only the program's start-up file: its config folder shows no labels.
    const config = out.get('Deployment', 'nsfl-edge-edge-node-1', ns).spec.template.spec.volumes.find((v: any) => v.name === 'config');
    expect(config.configMap.items).toEqual([{ key: 'task_manager_setup.json', path: 'task_manager_setup.json' }]);
    // Only the nodes' ConfigMaps carry the labeler's selector.
    expect(out.all('ConfigMap').filter((c) => c.metadata.labels?.['fl.neursafe.io/node-labels']).map((c) => c.metadata.name).sort()).toEqual(['nsfl-edge-edge-node-1', 'nsfl-edge-edge-node-2']);
    // One ClusterRole for the whole fleet, limited to Nodes; nothing cluster-scoped per node.
    expect(out.all('ClusterRole').map((r) => r.metadata.name).sort()).toEqual(['nsfl-node-labeler', 'nsfl-task-manager-nodes']);
    expect(out.get('ClusterRole', 'nsfl-node-labeler').rules).toEqual([{ apiGroups: [''], resources: ['nodes'], verbs: ['list', 'get', 'patch'] }]);
    expect(out.get('ClusterRoleBinding', 'nsfl-node-labeler').subjects).toEqual([{ kind: 'ServiceAccount', name: 'nsfl-node-labeler', namespace: ns }]);
    const cron = out.get('CronJob', 'nsfl-node-labeler', ns);
    expect(cron.spec).toMatchObject({ schedule: '*/10 * * * *', concurrencyPolicy: 'Forbid' });
    const script: string = cron.spec.jobTemplate.spec.template.spec.containers[0].command[2];
    // Two list calls, then `kubectl label` only for the nodes in the to-do list.
    expect(script.match(/kubectl /g)).toHaveLength(3);
    expect(script).toContain('kubectl label node "$node" $missing --overwrite');
    expect(script).toContain('done < todo');
    expect(out.objects.find((o) => o.obj.kind === 'CronJob' && o.obj.metadata.name === 'nsfl-node-labeler')!.file).toBe('30-edge.k8s.yaml');
    expect(out.all('Job').map((j) => j.metadata.name)).not.toContain('nsfl-node-labeler');
  });
});

describe('per-node files in Git', () => {
  const nodes = [node('alpha', 1), node('bravo', 2), node('charlie', 3)];
  const base = synth(fleet(nodes)).files;
  // The next synth, as the CLI runs it: with the port record of the previous output.
  const next = (text: string) => synth(text, 'platform.yaml', { previousPorts: parsePortRecord(base.get(PORTS_FILE)!) }).files;
  // README.md, the picture of the platform, summarizes the fleet and changes with it; nothing applies it (test/overview.test.ts).
  const changed = (files: Map<string, string>) =>
    [...new Set([...base.keys(), ...files.keys()])].filter((f) => f !== OVERVIEW_FILE && base.get(f) !== files.get(f)).sort();

  test('changing one node changes only its file (and its lines in the port record and the synth record)', () => {
    const files = next(fleet([nodes[0], { ...nodes[1], port: 31000, runtime: ['pytorch'] }, nodes[2]]));
    expect(changed(files)).toEqual([fileOf('bravo'), PORTS_FILE, RECORD_FILE].sort());
  });

  test('reordering nodes changes nothing', () => {
    expect(changed(next(fleet([nodes[2], nodes[0], nodes[1]])))).toEqual([]);
  });

  test('adding a node adds only its file; removing it removes only its file (and its lines in the port record and the synth record)', () => {
    const added = next(fleet([node('aardvark', 4), ...nodes]));
    expect(changed(added)).toEqual([fileOf('aardvark'), PORTS_FILE, RECORD_FILE].sort());
    const removed = next(fleet([nodes[0], nodes[2]]));
    expect(changed(removed)).toEqual([fileOf('bravo'), PORTS_FILE, RECORD_FILE].sort());
    expect(removed.has(fileOf('bravo'))).toBe(false);
  });

  test('renaming a node replaces its file and touches no other', () => {
    expect(changed(next(fleet([nodes[0], { ...nodes[1], name: 'bravo-2' }, nodes[2]])))).toEqual([fileOf('bravo-2'), fileOf('bravo'), PORTS_FILE, RECORD_FILE].sort());
  });

  test('a disabled node keeps its entry but deploys nothing', () => {
    const out = synth(fleet([nodes[0], { ...nodes[1], enabled: false }, nodes[2]]));
    expect(out.files.has(fileOf('bravo'))).toBe(false);
    expect(out.objects.filter((o) => JSON.stringify(o.obj).includes('bravo'))).toEqual([]);
  });

  test('with no enabled node there is no edge output at all', () => {
    const out = synth(fleet([{ ...nodes[0], enabled: false }]));
    // Only the port record, which keeps the disabled node's port.
    expect([...out.files.keys()].filter((f) => f.includes('edge'))).toEqual([PORTS_FILE]);
    expect(out.all('Service').map((s) => s.metadata.name)).not.toContain('nsfl-database-edge');
  });
});

describe('defaults, profiles and overrides', () => {
  const out = synth(
    fleet(
      [
        node('jetson-1', 1, { arch: 'arm64', profile: 'jetson' }),
        node('jetson-2', 2, { arch: 'arm64', profile: 'jetson', env: { REPORT_HEARTBEAT: '30' }, dirs: { datasets: '/data/sets' } }),
        node('gpu-1', 3, { profile: 'gpu', nodeLabels: { rack: 'r1' }, clusterLabelValue: 'gpu-box' }),
      ],
      {
        defaults: { images: { arm64: 'registry.example.com/fl/client-arm64:1.0' }, env: { WAIT_WORKER_FINISHED_TIMEOUT: '600' }, registration: true },
        profiles: {
          jetson: { resources: { limits: { memory: '1Gi' } }, runtime: ['pytorch'], env: { REPORT_HEARTBEAT: '10' }, storageQuota: 2048 },
          gpu: {
            executorImage: 'registry.example.com/fl/executor-gpu:1.0',
            env: { GPU_RS_KEY: 'nvidia.com/gpu' },
            tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
            nodeLabels: { accelerator: 'nvidia' },
          },
        },
      },
    ),
  );
  const tm = (n: string) => out.get('Deployment', `nsfl-edge-${n}`, ns).spec.template.spec;
  const setup = (n: string) => JSON.parse(out.get('ConfigMap', `nsfl-edge-${n}`, ns).data['task_manager_setup.json']);

  test('later levels win field by field; maps merge', () => {
    expect(tm('jetson-1').containers.find((c: any) => c.name === 'task-manager').image).toBe('registry.example.com/fl/client-arm64:1.0');
    expect(setup('jetson-1')).toMatchObject({ runtime: 'pytorch', storage_quota: 2048 });
    expect(envOf(out.withEnvFrom(tm('jetson-1').containers.find((c: any) => c.name === 'task-manager')), 'REPORT_HEARTBEAT')).toBe('10');
    expect(envOf(out.withEnvFrom(tm('jetson-2').containers.find((c: any) => c.name === 'task-manager')), 'REPORT_HEARTBEAT')).toBe('30');
    expect(envOf(out.withEnvFrom(tm('jetson-2').containers.find((c: any) => c.name === 'task-manager')), 'WAIT_WORKER_FINISHED_TIMEOUT')).toBe('600');
    expect(setup('jetson-2').datasets).toBe('/data/sets/datasets.json');
    expect(setup('jetson-2').workspace).toBe('/var/lib/neursafe-fl/workspace');
    expect(tm('jetson-1').containers.find((c: any) => c.name === 'task-manager').resources.limits.memory).toBe('1Gi');
  });

  test('a GPU node: its executor image, env, extra tolerations on top of the offline ones, node labels', () => {
    const spec = tm('gpu-1');
    expect(envOf(out.withEnvFrom(spec.containers.find((c: any) => c.name === 'task-manager')), 'CONTAINER_EXECUTOR_IMAGE')).toBe('registry.example.com/fl/executor-gpu:1.0');
    expect(envOf(out.withEnvFrom(spec.containers.find((c: any) => c.name === 'task-manager')), 'GPU_RS_KEY')).toBe('nvidia.com/gpu');
    expect(envOf(out.withEnvFrom(spec.containers.find((c: any) => c.name === 'task-manager')), 'CLUSTER_LABEL_VALUE')).toBe('gpu-box');
    expect(spec.tolerations.map((t: any) => t.key)).toEqual(['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready', 'nvidia.com/gpu']);
    expect(out.get('ConfigMap', 'nsfl-edge-gpu-1', ns).data.labels).toBe('accelerator=nvidia kubernetes.io/cluster_id=gpu-box rack=r1');
  });
});

test('node names cannot produce clashing resource names', () => {
  const tricky = [node('a', 1), node('a-labels', 2), node('a-token', 3), node('node-labeler', 4), node('label-a', 5), node('task-managers', 6)];
  const out = synth(fleet(tricky, { apiAccess: { mode: 'sidecar' } }));
  const ids = out.objects.map(({ obj }) => `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`);
  expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
});

describe('sidecar API access', () => {
  const out = synth(fleet([node('n1', 1)], { apiAccess: { mode: 'sidecar', server: 'https://169.254.30.10:10550' } }));
  const spec = out.get('Deployment', 'nsfl-edge-n1', ns).spec.template.spec;

  test('a kubectl proxy sidecar pointed at the configured server, as the edge fleet\'s ServiceAccount', () => {
    expect(spec.hostNetwork).toBeUndefined();
    expect(spec.serviceAccountName).toBe('nsfl-edge-task-managers');
    expect(spec.containers[0].command).toEqual(['kubectl', 'proxy', '--address=127.0.0.1', '--port=8001']);
    // kubectl's in-cluster config then targets that server with the token and CA.
    expect(envOf(spec.containers[0], 'KUBERNETES_SERVICE_HOST')).toBe('169.254.30.10');
    expect(envOf(spec.containers[0], 'KUBERNETES_SERVICE_PORT')).toBe('10550');
    expect(envOf(out.withEnvFrom(spec.containers.find((c: any) => c.name === 'task-manager')), 'K8S_ADDRESS')).toBe('127.0.0.1:8001');
  });

  test('node access is bound to exactly that ServiceAccount, by one binding of each kind for the whole fleet', () => {
    const account = [{ kind: 'ServiceAccount', name: 'nsfl-edge-task-managers', namespace: ns }];
    expect(out.get('ServiceAccount', 'nsfl-edge-task-managers', ns).automountServiceAccountToken).toBe(false);
    expect(out.get('RoleBinding', 'nsfl-edge-task-managers', 'default')).toMatchObject({ roleRef: { kind: 'Role', name: 'nsfl-task-manager' }, subjects: account });
    expect(out.all('ClusterRoleBinding').filter((b) => b.roleRef.name === 'nsfl-task-manager-nodes').map((b) => [b.metadata.name, b.subjects])).toEqual([
      ['nsfl-task-manager', [{ kind: 'ServiceAccount', name: 'nsfl-task-manager', namespace: ns }]],
      ['nsfl-edge-task-managers', account],
    ]);
    // No binding names a group: not every ServiceAccount of the namespace (with namespace "default", every workload there).
    const bindings = [...out.all('ClusterRoleBinding'), ...out.all('RoleBinding')];
    expect(bindings.flatMap((b) => b.subjects).filter((s: any) => s.kind !== 'ServiceAccount')).toEqual([]);
    // One node or three: the same cluster-scoped objects, and no per-node ServiceAccount or binding.
    const clusterScoped = (o: ReturnType<typeof synth>) => o.objects.filter(({ obj }) => obj.metadata.namespace === undefined).map(({ obj }) => `${obj.kind}/${obj.metadata.name}`).sort();
    const three = synth(fleet([node('n1', 1), node('n2', 2), node('n3', 3)], { apiAccess: { mode: 'sidecar' } }));
    expect(clusterScoped(three)).toEqual(clusterScoped(out));
    expect(three.all('ServiceAccount').map((a) => a.metadata.name).filter((n) => n.startsWith('nsfl-edge-'))).toEqual(['nsfl-edge-task-managers']);
    expect(three.all('RoleBinding').filter((b) => b.metadata.name.startsWith('nsfl-edge-')).length).toBe(1);
  });

  test('without EdgeMesh the pod resolves names with the node\'s resolver (there is no cluster DNS on the edge)', () => {
    expect(spec.dnsPolicy).toBe('Default');
    const mesh = synth(fleet([node('n1', 1)], { edgeMesh: true, apiAccess: { mode: 'sidecar' } }));
    expect(mesh.get('Deployment', 'nsfl-edge-n1', ns).spec.template.spec.dnsPolicy).toBe('ClusterFirst');
  });

  test('a long-lived token Secret (filled in by the cluster) instead of expiring projected tokens', () => {
    expect(spec.automountServiceAccountToken).toBe(false);
    const secret = out.get('Secret', 'nsfl-edge-n1-token', ns);
    // Each node its own token of the shared account (in the node's file): deleting it revokes that node alone.
    expect(secret).toMatchObject({ type: 'kubernetes.io/service-account-token', metadata: { annotations: { 'kubernetes.io/service-account.name': 'nsfl-edge-task-managers' } } });
    expect(out.objects.find(({ obj }) => obj === secret)!.file).toMatch(/^edge\/.*n1\.k8s\.yaml$/);
    expect(spec.volumes).toContainEqual({ name: 'api-token', secret: { secretName: 'nsfl-edge-n1-token' } });
    expect(secret.data).toBeUndefined();
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'api-token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' });
  });
});

describe('invalid fleets', () => {
  test.each([
    ['duplicate names', fleet([node('a', 1), node('a', 2)]), 'platform.yaml:LINE: error: edge.nodes[1].name: node name "a" is already used by edge.nodes[0]'],
    ['duplicate addresses', fleet([node('a', 1), node('b', 1)]), 'edge.nodes[1].address: address "192.0.2.1" is already used by edge.nodes[0]'],
    ['a host port KubeEdge uses', fleet([node('a', 1, { port: 10550 })]), 'edge.nodes[0].port: host port 10550 is used by KubeEdge (MetaServer) on edge hosts'],
    ['a reserved port in the defaults', fleet([node('a', 1)], { defaults: { port: 1883 } }), 'edge.defaults.port: host port 1883 is used by KubeEdge (the MQTT broker)'],
    ['an internal node address', fleet([node('a', 1, { address: 'a.neursafe-fl.svc' })]), 'edge.nodes[0].address: "a.neursafe-fl.svc" is a cluster-internal name'],
    ['an internal proxy address', fleet([node('a', 1)], { proxyAddress: 'nsfl-proxy.neursafe-fl.svc:30091' }), 'edge.proxyAddress: "nsfl-proxy.neursafe-fl.svc:30091" is a cluster-internal name ' +
      'that edge nodes cannot resolve without EdgeMesh'],
    ['an internal database address', fleet([node('a', 1)], { databaseAddress: 'nsfl-database:5432' }), 'edge.databaseAddress: "nsfl-database:5432" is a cluster-internal name'],
    ['no database address for the embedded database', fleet([node('a', 1)], { databaseAddress: null }), 'edge.databaseAddress: edge nodes need a database address they can reach'],
    ['a missing image for an architecture', fleet([node('a', 1, { arch: 'arm' })]), 'edge.nodes[0].arch: node "a" is arm but no task manager image is set for arm'],
    ['no proxy address for the edge', fleet([node('a', 1)], { proxyAddress: null }).replace(/^ {2}externalAddress: .*$/m, ''), 'proxy.externalAddress: edge nodes need the address of the proxy\'s ' +
      'gRPC port from outside the cluster'],
    ['an unknown profile', fleet([node('a', 1, { profile: 'nope' })]), 'edge.nodes[0].profile: profile "nope" is not defined in edge.profiles'],
    ['a shared label value without a site', fleet([node('a', 1, { clusterLabelValue: 'x' }), node('b', 2, { clusterLabelValue: 'x' })]), 'edge.nodes[1].clusterLabelValue: cluster label value "x" ' +
      'is already used by edge.nodes[0]'],
    ['the sidecar port as host port', fleet([node('a', 1, { port: 8001 })], { apiAccess: { mode: 'sidecar' } }), 'edge.nodes[0].port: port 8001 is already used by the API proxy sidecar'],
    ['an invalid node name', fleet([node('Edge_1', 1)]), 'edge.nodes[0].name: must be a Kubernetes node name'],
    ['a mutable image', fleet([node('a', 1, { image: 'example.com/tm:latest' })]), 'edge.nodes[0].image: image "example.com/tm:latest" uses the mutable tag "latest"'],
  ])('%s', (_what, text, message) => {
    const found = configErrors(text).join('\n');
    const [before, after] = message.split('LINE');
    if (after === undefined) expect(found).toContain(message);
    else expect(found).toMatch(new RegExp(`${before.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\d+:\\d+${after.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  test('EdgeMesh makes cluster-internal names legal', () => {
    expect(configErrors(fleet([node('a', 1)], { edgeMesh: true, proxyAddress: 'nsfl-proxy.neursafe-fl.svc:30091', databaseAddress: null }))).toEqual([]);
  });

  test('a node that does not register is legal but warned about', () => {
    const { warnings } = parseConfig(fleet([node('a', 1, { registration: false })]), 'platform.yaml');
    expect(warnings.map((w) => w.message).join('\n')).toContain('node "a" does not register with the client selector');
  });

  test('nodes grouped as one site share a label value, with a warning about what that means', () => {
    const text = fleet([node('a', 1, { site: 'lab' }), node('b', 2, { site: 'lab' })]);
    expect(configErrors(text)).toEqual([]);
    const { warnings, edgeSites } = parseConfig(text, 'platform.yaml');
    expect(edgeSites.map((s) => s.settings.clusterLabelValue)).toEqual(['lab', 'lab']);
    expect(warnings.map((w) => w.message).join('\n')).toContain('site "lab" groups 2 nodes (a, b): executors of each of their task managers may run on any of them');
  });
});

// Correctness at fleet size needs only enough nodes to mix every kind of entry
// (architectures, a profile, a disabled node); speed is npm run bench's job, and
// manifests.test.ts validates a 200-node fleet's every object.
describe('a mixed fleet', () => {
  const n = 40;
  const nodes = Array.from({ length: n }, (_, i) => ({
    name: `device-${String(i).padStart(4, '0')}`,
    address: `10.${Math.floor(i / 250)}.${i % 250}.10`,
    arch: i % 3 === 0 ? 'arm64' : 'amd64',
    ...(i % 10 === 0 ? { profile: 'big' } : {}),
    ...(i === n - 1 ? { enabled: false } : {}),
  }));
  const out = synth(fleet(nodes, { profiles: { big: { resources: { limits: { memory: '2Gi' } } } } }));

  test('synthesizes one file and one pinned Deployment per enabled node', () => {
    const edgeFiles = [...out.files.keys()].filter((f) => f.startsWith('edge/') && f.endsWith('.k8s.yaml'));
    expect(edgeFiles).toHaveLength(n - 1);
    const deps = out.all('Deployment').filter((d) => d.metadata.name.startsWith('nsfl-edge-'));
    expect(deps).toHaveLength(n - 1);
    expect(new Set(deps.map((d) => d.spec.template.spec.nodeSelector['kubernetes.io/hostname'])).size).toBe(n - 1);
  });

  test('spot checks: addresses, profile settings and per-arch images land on the right node', () => {
    const setup = JSON.parse(out.get('ConfigMap', 'nsfl-edge-device-0020', ns).data['task_manager_setup.json']);
    expect(setup.external_address).toBe(`10.0.20.10:${setup.port}`);
    expect(out.get('Deployment', 'nsfl-edge-device-0020', ns).spec.template.spec.containers.find((c: any) => c.name === 'task-manager').resources.limits.memory).toBe('2Gi');
    expect(out.get('Deployment', 'nsfl-edge-device-0003', ns).spec.template.spec.containers.find((c: any) => c.name === 'task-manager').image).toBe('docker.io/neursafe/nsfl-client-cpu-arm64:0.1.0');
    expect(out.files.has(fileOf(`device-00${n - 1}`))).toBe(false);
  });
});

describe("the fleet's shared environment", () => {
  // n1 sorts first and gives the shared values; n2's own worker port differs from them.
  const out = synth(fleet([node('n2', 2, { workerPort: 9001, env: { REPORT_HEARTBEAT: '5' } }), node('n1', 1)]));
  const shared = out.get('ConfigMap', 'nsfl-env-edge', ns);
  const tm = (n: string) => out.get('Deployment', `nsfl-edge-${n}`, ns).spec.template.spec.containers.find((c: any) => c.name === 'task-manager');
  /** A container's environment as the kubelet makes it: envFrom's keys, then env, the last entry of a name winning. */
  const effective = (c: any): Record<string, unknown> => Object.fromEntries(out.withEnvFrom(c).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

  test('fleet-wide variables are in one ConfigMap the nodes take with envFrom, not in each node\'s env', () => {
    expect(shared.data).toMatchObject({ PLATFORM: 'k8s', WORKER_PORT: '8050', K8S_ADDRESS: '127.0.0.1:10550', DB_NAME: 'neursafe_fl', PGSSLMODE: 'verify-full' });
    // Plain values only: the database credentials stay secretKeyRefs of each node, and nothing node-specific is shared.
    for (const v of Object.values(shared.data)) expect(typeof v).toBe('string');
    expect(Object.keys(shared.data)).not.toEqual(expect.arrayContaining(['DB_USERNAME', 'DB_PASSWORD', 'CLUSTER_LABEL_VALUE', 'CONTAINER_EXECUTOR_IMAGE']));
    expect(tm('n1').envFrom).toEqual([{ configMapRef: { name: 'nsfl-env-edge' } }]);
    expect(tm('n1').env.map((e: any) => e.name)).toEqual(['CONTAINER_EXECUTOR_IMAGE', 'CLUSTER_LABEL_VALUE', 'DB_USERNAME', 'DB_PASSWORD']);
  });

  test("a node's own value stays in its env, which wins over envFrom: every node sees exactly its settings", () => {
    expect(tm('n2').env).toEqual(expect.arrayContaining([{ name: 'WORKER_PORT', value: '9001' }, { name: 'REPORT_HEARTBEAT', value: '5' }]));
    expect(effective(tm('n2'))).toMatchObject({ WORKER_PORT: '9001', DB_NAME: 'neursafe_fl', PLATFORM: 'k8s', CLUSTER_LABEL_VALUE: 'n2' });
    expect(effective(tm('n1'))).toMatchObject({ WORKER_PORT: '8050', DB_NAME: 'neursafe_fl', CLUSTER_LABEL_VALUE: 'n1' });
    // The same environment as each node had with every variable in its own env (the config without the second node).
    const alone = synth(fleet([node('n2', 2, { workerPort: 9001, env: { REPORT_HEARTBEAT: '5' } })]));
    const n2Alone = alone.get('Deployment', 'nsfl-edge-n2', ns).spec.template.spec.containers.find((c: any) => c.name === 'task-manager');
    expect(effective(tm('n2'))).toEqual(Object.fromEntries(alone.withEnvFrom(n2Alone).env.map((e: any) => [e.name, e.value ?? e.valueFrom])));
  });

  test("a change to a shared variable rolls every node's pod (its checksum changes)", () => {
    const checksum = (o: typeof out, n: string) => o.get('Deployment', `nsfl-edge-${n}`, ns).spec.template.metadata.annotations['checksum/config'];
    const moved = synth(fleet([node('n2', 2, { workerPort: 9001, env: { REPORT_HEARTBEAT: '5' } }), node('n1', 1)], { databaseAddress: '203.0.113.99:30432' }));
    expect(moved.get('ConfigMap', 'nsfl-env-edge', ns).data.PGHOSTADDR).toBe('203.0.113.99');
    for (const n of ['n1', 'n2']) expect(checksum(moved, n)).not.toBe(checksum(out, n));
  });
});

describe("an edge node's file stays within its byte budget", () => {
  // Measured with `npm run bench:bytes` (docs/performance.md): about 8.4 KB per node with TLS, the bundled config.
  const BUDGET = 8.75 * 1024;
  const nodes = Array.from({ length: 6 }, (_, i) => ({ name: `device-${i}`, address: `192.0.2.${i + 20}`, arch: i % 2 === 0 ? 'amd64' : 'arm64' }));
  const out = synth(withOverrides({ edge: { nodes } }));

  test(`with TLS, every node's file is at most ${BUDGET} bytes`, () => {
    const files = [...out.files].filter(([f]) => /^edge\/[^/]+\/device-\d\.k8s\.yaml$/.test(f));
    expect(files).toHaveLength(nodes.length);
    for (const [file, text] of files) expect({ file, bytes: Buffer.byteLength(text) <= BUDGET }).toEqual({ file, bytes: true });
  });
});
