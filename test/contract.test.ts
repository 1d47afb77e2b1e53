/**
 * The platform's contract (docs/platform.md, from "Task manager ports" to
 * "Database roles, tables and a lost Secret"): uploads stored as plain files, a port of its own for every task
 * manager, S3 endpoints with their scheme, site folders outside the upload
 * endpoint, least-privilege database roles, tables set up on every sync.
 * The output-wide rules themselves run on every example in manifests.test.ts.
 */
import { parsePortRecord, renderPortRecord } from '../lib/outdir/port-record';
import { PORTS_FILE } from '../lib/resolve/ports';
import { fsFormatJson } from '../lib/render/minio-format';
import { contractViolations, endpointSchemes, siteFoldersOutsideUploads, superuserOnlyForSetup, tablesMatchPrograms, uniqueTaskManagerPorts } from './support/contract';
import { configErrors, containers, envOf, synth, withOverrides } from './support/platform';

const ns = 'neursafe-fl';
const node = (name: string, i: number, extra: object = {}) => ({ name, address: `192.0.2.${i}`, ...extra });
const fleet = (nodes: object[], edge: Record<string, unknown> = {}) => withOverrides({ edge: { ...edge, nodes } });
const portOf = (out: ReturnType<typeof synth>, nodeName: string) =>
  JSON.parse(out.get('ConfigMap', `nsfl-edge-${nodeName}`, ns).data['task_manager_setup.json']).port;

describe('a port of its own for every task manager', () => {
  test('edge.defaults.port is where allocation starts: nodes get consecutive free ports in name order, the cloud port skipped', () => {
    const out = synth(fleet([node('b', 2), node('a', 1), node('c', 3)], { defaults: { port: 21999 } }));
    expect(['a', 'b', 'c'].map((n) => portOf(out, n))).toEqual([21999, 22001, 22002]); // 22000 is the cloud task manager's
    expect(out.files.get(PORTS_FILE)).toContain('a 21999\nb 22001\nc 22002\n');
  });

  test('a recorded port is kept when other nodes are added before it', () => {
    const first = synth(fleet([node('m', 1)]));
    const previousPorts = parsePortRecord(first.files.get(PORTS_FILE)!);
    const second = synth(fleet([node('a', 2), node('m', 1)]), 'platform.yaml', { previousPorts });
    expect(portOf(second, 'm')).toBe(portOf(first, 'm'));
    expect(portOf(second, 'a')).not.toBe(portOf(first, 'm'));
  });

  test('two explicit ports that clash are an error that names the other user and points at the port', () => {
    const text = fleet([node('a', 1, { port: 30100 }), node('b', 2, { port: 30100 })]);
    const errs = configErrors(text);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^platform\.yaml:\d+:\d+: error: edge\.nodes\[1\]\.port: port 30100 is already used by node "a" \(edge\.nodes\[0\]\.port\)/);
    expect(configErrors(fleet([node('a', 1, { port: 22000 })]))[0]).toContain('already used by the cloud task manager (taskManager.port)');
  });

  test('an explicit port that takes a recorded one moves the recorded node, with a warning', () => {
    const previousPorts = new Map([['a', 30100]]);
    const text = fleet([node('a', 1), node('b', 2, { port: 30100 })], { defaults: { port: 30100 } });
    const out = synth(text, 'platform.yaml', { previousPorts });
    expect(portOf(out, 'b')).toBe(30100);
    expect(portOf(out, 'a')).toBe(30101);
    expect(out.warnings.join('\n')).toContain('node "a" moves from port 30100');
  });

  test("the bundled config: no node gets a port the platform uses (edge-node-2 got the proxy's NodePort 30091)", () => {
    const out = synth();
    const taken = [30091, 30092, 30900, 30432]; // proxy gRPC and NodePort, proxy HTTP, S3 NodePort, database edge NodePort
    expect(['edge-node-1', 'edge-node-2'].map((n) => portOf(out, n))).toEqual([30090, 30093]);
    for (const n of ['edge-node-1', 'edge-node-2']) expect(taken).not.toContain(portOf(out, n));
  });

  test.each([
    ['proxy.grpcPort, proxy.expose.nodePort', {}, 30091],
    ['proxy.httpPort', { proxy: { httpPort: 30500 } }, 30500],
    ['objectStorage.nodePort', {}, 30900],
    ['database.embedded.edgeNodePort', {}, 30432],
    // On an edge node the TLS tunnel listens on the node's own loopback (hostNetwork).
    ['tls.tunnelPort', {}, 21091],
  ])("a node's explicit port that the platform uses (%s) is an error naming both fields", (field, extra, port) => {
    const errs = configErrors(withOverrides({ ...extra, edge: { nodes: [node('a', 1, { port })] } }));
    expect(errs).toEqual([expect.stringMatching(new RegExp(`error: edge\\.nodes\\[0\\]\\.port: port ${port} is the platform's own \\(${field.replace(/\./g, '\\.')}\\)`))]);
  });

  test("the TLS tunnel's port: below the NodePort range (kube-proxy catches loopback NodePorts), and no other port of a task manager's pod", () => {
    expect(configErrors(withOverrides({ tls: { tunnelPort: 30091 } }))).toEqual([expect.stringContaining('tls.tunnelPort: must be below 30000')]);
    expect(configErrors(withOverrides({ taskManager: { port: 21091 } }))).toEqual([
      expect.stringContaining('tls.tunnelPort: port 21091 of the TLS tunnel (tls.tunnelPort) is already used by the task manager (taskManager.port) in the same pod'),
    ]);
    expect(configErrors(withOverrides({ apiProxy: { port: 21091 } })).join('\n')).toContain('port 21091 of the TLS tunnel (tls.tunnelPort) is already used by the API proxy sidecar (apiProxy.port) ' +
      'in the same pod');
    // Without TLS there is no tunnel, and the port is free.
    expect(configErrors(withOverrides({ tls: { enabled: false }, taskManager: { port: 21091 } }))).toEqual([]);
  });

  test('a recorded port that the platform now uses is reallocated, with a warning naming the field', () => {
    // dist/ of an earlier version recorded edge-node-2 on 30091, the proxy's NodePort.
    const out = synth(undefined, 'platform.yaml', { previousPorts: new Map([['edge-node-1', 30090], ['edge-node-2', 30091]]) });
    expect(portOf(out, 'edge-node-1')).toBe(30090);
    expect(portOf(out, 'edge-node-2')).toBe(30093);
    expect(out.warnings.join('\n')).toContain(`node "edge-node-2" moves from port 30091 (recorded in ${PORTS_FILE}) to 30093: 30091 is now the platform's own (proxy.grpcPort, proxy.expose.nodePort)`);
  });

  test('the record round-trips and ignores lines that are not `node port`', () => {
    const ports = new Map([['b', 2], ['a', 1]]);
    expect(parsePortRecord(`${renderPortRecord(ports)}junk\nc 70000\n`)).toEqual(new Map([['a', 1], ['b', 2]]));
  });

  test('the checker finds two task managers on one port', () => {
    const out = synth(fleet([node('a', 1, { port: 30100 })]));
    const cm = out.get('ConfigMap', 'nsfl-task-manager', ns);
    const setup = JSON.parse(cm.data['task_manager_setup.json']);
    cm.data['task_manager_setup.json'] = JSON.stringify({ ...setup, port: 30100 });
    expect(uniqueTaskManagerPorts(out).join('\n')).toContain('share port 30100');
  });
});

describe('uploads are plain files', () => {
  const out = synth();
  const pod = out.get('Deployment', 'nsfl-object-storage', ns).spec.template.spec;

  test('MinIO is a release that exists and still runs FS mode, and its folder is formatted as FS before its first start', () => {
    expect(pod.containers[0].image).toBe('quay.io/minio/minio:RELEASE.2022-10-24T18-35-07Z');
    const format = pod.initContainers.find((c: any) => c.name === 'format-fs');
    // The same folder MinIO serves (MinIO also has empty folders over the coordinators' certificate folders).
    expect(format.volumeMounts).toEqual(pod.containers[0].volumeMounts.filter((m: any) => m.name === 'shared-root'));
    const script: string = format.command[2];
    expect(script).toContain(`${pod.containers[0].args[1]}/.minio.sys/format.json`);
    expect(script).toContain('"format":"fs"');
    // An existing non-FS format is never overwritten: the pod stops with a message.
    expect(script).toMatch(/not in filesystem \(fs\) mode[\s\S]*exit 1/);
  });

  test('the format file is the one MinIO reads as FS mode', () => {
    expect(JSON.parse(fsFormatJson('00000000-0000-4000-8000-000000000000'))).toEqual({ version: '1', format: 'fs', id: '00000000-0000-4000-8000-000000000000', fs: { version: '2' } });
  });
});

describe('S3 endpoints carry their scheme', () => {
  test('an S3 model store endpoint without a scheme is refused, saying the form boto3 needs', () => {
    const errs = configErrors(withOverrides({ modelStorage: { type: 's3', s3: { endpoint: 'minio.example.com:9000', credentials: { name: 's3' } } } }));
    expect(errs.join('\n')).toContain('modelStorage.s3.endpoint: the scheme is missing (expected http:// or https://host[:port], e.g. http://minio.example.com:9000)');
  });

  test('the checker finds a STORAGE_ENDPOINT without a scheme and a CLI address with one', () => {
    const out = synth(withOverrides({ modelStorage: { type: 's3', s3: { endpoint: 'http://minio.example.com:9000', credentials: { name: 's3' } } } }));
    const mm = containers(out.get('Deployment', 'nsfl-model-manager', ns)).find((c) => c.name === 'model-manager');
    envOf(mm, 'STORAGE_ENDPOINT');
    mm.env.find((e: any) => e.name === 'STORAGE_ENDPOINT').value = 'minio.example.com:9000';
    out.get('ConfigMap', 'nsfl-endpoints', ns).data['api-server'] = 'http://gw.example.com';
    expect(endpointSchemes(out)).toHaveLength(2);
  });
});

describe('site folders stay out of the upload endpoint', () => {
  test('the cloud task manager defaults beside the shared root, not inside it', () => {
    const vols = synth().get('Deployment', 'nsfl-task-manager', ns).spec.template.spec.volumes.filter((v: any) => v.hostPath);
    // Its four folders at their default names: their root, one volume.
    expect(vols.map((v: any) => v.hostPath.path)).toEqual(['/mnt/neursafe_fl_task_manager']);
  });

  test('a folder inside sharedRoot.hostPath is refused', () => {
    const errs = configErrors(withOverrides({ taskManager: { dirs: { datasets: '/mnt/neursafe_fl/task-manager/datasets' } } }));
    expect(errs.join('\n')).toMatch(/taskManager\.dirs\.datasets: "\/mnt\/neursafe_fl\/task-manager\/datasets" is inside sharedRoot\.hostPath/);
  });

  test('the checker finds a task manager folder under the shared root', () => {
    const out = synth();
    out.get('Deployment', 'nsfl-task-manager', ns).spec.template.spec.volumes.find((v: any) => v.name === 'site-dirs').hostPath.path = '/mnt/neursafe_fl/sites';
    expect(siteFoldersOutsideUploads(out)).toHaveLength(1);
  });
});

describe('least-privilege database access', () => {
  const out = synth();
  const secretOf = (deployment: string, container: string) =>
    envOf(out.withEnvFrom(containers(out.get('Deployment', deployment, ns)).find((c) => c.name === container)), 'DB_PASSWORD').secretKeyRef.name;

  test('each program logs in with a Secret of its own; edge task managers with one that reaches only tasks', () => {
    expect(secretOf('nsfl-job-scheduler', 'job-scheduler')).toBe('nsfl-db-job-scheduler');
    expect(secretOf('nsfl-model-manager', 'model-manager')).toBe('nsfl-db-model-manager');
    expect(secretOf('nsfl-task-manager', 'task-manager')).toBe('nsfl-db-task-manager');
    expect(secretOf('nsfl-edge-edge-node-1', 'task-manager')).toBe('nsfl-db-edge-task-manager');
    const sql: string = out.get('ConfigMap', 'nsfl-database-setup', ns).data['setup.sql'];
    expect(sql).toMatch(/GRANT SELECT, INSERT, UPDATE, DELETE ON tasks TO :"db_edge_task_manager_user";/);
    expect(sql.split('\n').filter((l) => l.startsWith('GRANT') && l.includes(':"db_edge_task_manager_user"'))).toEqual([
      'GRANT CONNECT ON DATABASE :"dbname" TO :"db_edge_task_manager_user";',
      'GRANT USAGE ON SCHEMA public TO :"db_edge_task_manager_user";',
      'GRANT SELECT, INSERT, UPDATE, DELETE ON tasks TO :"db_edge_task_manager_user";',
      'GRANT USAGE, SELECT ON SEQUENCE tasks_id_seq TO :"db_edge_task_manager_user";',
    ]);
  });

  test('the set-up Job runs every sync, after the Secrets and the database, before the programs; it sets each role from its Secret', () => {
    const job = out.get('Job', 'nsfl-database-setup', ns);
    expect(job.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/hook': 'Sync', 'argocd.argoproj.io/sync-wave': '-1' });
    expect(out.get('StatefulSet', 'nsfl-database', ns).metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    const tables = job.spec.template.spec.initContainers[0];
    expect(envOf(tables, 'DB_PASSWORD')).toEqual({ secretKeyRef: { name: 'nsfl-database', key: 'password' } });
    expect(envOf(tables, 'DB_EDGE_TASK_MANAGER_PASSWORD')).toEqual({ secretKeyRef: { name: 'nsfl-db-edge-task-manager', key: 'password' } });
    expect(tables.command[2]).toContain('-v db_edge_task_manager_password="$DB_EDGE_TASK_MANAGER_PASSWORD"');
    expect(tables.command[2]).toContain('psql -v ON_ERROR_STOP=1');
  });

  test('the checker finds a program holding the superuser Secret and a Secret shared by two programs', () => {
    const bad = synth();
    const tm = containers(bad.get('Deployment', 'nsfl-edge-edge-node-1', ns)).find((c) => c.name === 'task-manager');
    tm.env.find((e: any) => e.name === 'DB_PASSWORD').valueFrom.secretKeyRef.name = 'nsfl-database';
    expect(superuserOnlyForSetup(bad)).toEqual(['Deployment nsfl-edge-edge-node-1/task-manager reads the superuser Secret nsfl-database (DB_PASSWORD)']);
    tm.env.find((e: any) => e.name === 'DB_PASSWORD').valueFrom.secretKeyRef.name = 'nsfl-db-task-manager';
    expect(tablesMatchPrograms(bad).join('\n')).toContain('Secret nsfl-db-task-manager is shared by');
  });

  test('an external MongoDB gets its collections and the unique models index from a mongosh set-up Job', () => {
    const mongo = synth(withOverrides({ database: { type: 'mongo', embedded: null, external: { address: 'db.example.com:27017', credentials: { name: 'db' } } },
      edge: { databaseAddress: 'db.example.com:27017' } }));
    const job = mongo.get('Job', 'nsfl-database-setup', ns);
    expect(job.spec.template.spec.initContainers[0].image).toBe('docker.io/library/mongo:7.0.14');
    expect(job.spec.template.spec.initContainers[0].command[2]).toContain("mongosh --quiet 'mongodb://db.example.com:27017/neursafe_fl'");
    expect(contractViolations(mongo)).toEqual([]);
  });
});

describe('data survives Secrets lost, upgrades and hooks that cannot finish', () => {
  const out = synth();

  test('a lost superuser Secret is never replaced while the data volume was initialised with it', () => {
    const script: string = out.get('Job', 'nsfl-generate-secrets', ns).spec.template.spec.containers[0].command[2];
    const guard = script.slice(script.indexOf('if exists nsfl-database;'), script.indexOf('if exists nsfl-db-job-scheduler;'));
    expect(guard).toContain("get pvc data-nsfl-database-0 --ignore-not-found -o jsonpath='{.metadata.annotations.fl\\.neursafe\\.io/initialized}'");
    expect(guard.indexOf('exit 1')).toBeLessThan(guard.indexOf('create nsfl-database'));
    expect(guard).toContain('Restore the Secret from your backup');
    // The set-up marks the claim only after the tables and roles were set up with that Secret.
    expect(out.get('Job', 'nsfl-database-setup', ns).spec.template.spec.containers[0].command[2]).toContain('annotate pvc data-nsfl-database-0 fl.neursafe.io/initialized=true');
    expect(out.get('Role', 'nsfl-generate-secrets', ns).rules).toContainEqual({ apiGroups: [''], resources: ['persistentvolumeclaims'], resourceNames: ['data-nsfl-database-0'], verbs: ['get'] });
  });

  test('a failed Secret creation fails the Job (set -e does not stop on `create && echo`)', () => {
    const script: string = out.get('Job', 'nsfl-generate-secrets', ns).spec.template.spec.containers[0].command[2];
    expect(script).not.toMatch(/create secret generic [^\n]*&&/);
    expect(script).toContain('if ! kubectl -n neursafe-fl create secret generic');
  });

  test('the data volume is retained and its claim template holds nothing that changes with a version or tag bump', () => {
    const sts = out.get('StatefulSet', 'nsfl-database', ns);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    const bumped = synth(withOverrides({ version: '9.9.9', images: { tag: '9.9.9', postgres: 'docker.io/library/postgres:15.9' } })).get('StatefulSet', 'nsfl-database', ns);
    for (const field of ['selector', 'volumeClaimTemplates', 'serviceName'] as const) expect(bumped.spec[field]).toEqual(sts.spec[field]);
  });

  test('every Job has a deadline and a bounded number of retries', () => {
    for (const job of out.all('Job')) {
      expect(job.spec.activeDeadlineSeconds).toBeGreaterThan(0);
      expect(job.spec.backoffLimit).toBeLessThanOrEqual(3);
    }
  });
});
