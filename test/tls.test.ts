/**
 * Encryption, checked on the output the way the programs will read it: every
 * gRPC program that can speak TLS gets an `ssl` folder with exactly the
 * three files it opens, the proxy's nginx.conf terminates and originates
 * mutual TLS and answers no plaintext, every task manager reaches it through
 * a TLS tunnel of its own, the coordinators'
 * certificate folder is published into each FL namespace and hidden from the
 * upload endpoint, the embedded database refuses plaintext from other hosts
 * and every client verifies it, and every certificate is an RSA one from the
 * platform's CA, valid against cert-manager's CRD schema.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { validateManifest } from './support/k8s-schema';
import { external, NetworkEvaluator } from './support/netpol';
import { configErrors, containers, issuerOf, plainEnv, synth, Synthesized, withOverrides } from './support/platform';

const ns = 'neursafe-fl';

/** The files of an `ssl` folder as the programs open them, and the cert-manager keys they come from. */
const SSL_ITEMS = [
  { key: 'tls.crt', path: 'cert.pem' },
  { key: 'tls.key', path: 'private.key' },
  { key: 'ca.crt', path: 'trusted.pem' },
];

/** Every pod template of the output, with the file it is in. */
function podTemplates(out: Synthesized): { file: string; obj: any; spec: any }[] {
  return out.objects
    .filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.obj.kind))
    .map((o) => ({ ...o, spec: o.obj.spec.template.spec }));
}

/** The `ssl` folder of a pod's container: the Secret it comes from and where it is mounted, checked to map all three files. */
function sslFolderOf(spec: any, container: any): { secret: string; path: string } | undefined {
  const mount = (container.volumeMounts ?? []).find((m: any) => m.name === 'ssl');
  if (mount === undefined) return undefined;
  const volume = spec.volumes.find((v: any) => v.name === 'ssl');
  // A Secret volume: read-only, whatever the mount says (the kubelet mounts them so).
  const source = volume.secret;
  expect(source.items).toEqual(SSL_ITEMS);
  return { secret: source.secretName, path: mount.mountPath };
}

/** The text of a task manager's task_manager_setup.json, parsed. */
function setupOf(out: Synthesized, name: string): any {
  return JSON.parse(out.get('ConfigMap', name, ns).data['task_manager_setup.json']);
}

describe('the bundled config: TLS on every hop the programs can encrypt', () => {
  const out = synth();
  const nginx: string = out.get('ConfigMap', 'nsfl-proxy', ns).data['nginx.conf'];
  const certificates = out.all('Certificate');
  const certificateOf = (secret: string) => certificates.find((c) => c.spec.secretName === secret);

  test('task managers (cloud and every edge node) use their ssl folder for their server and their task results', () => {
    const sites = ['nsfl-task-manager', 'nsfl-edge-edge-node-1', 'nsfl-edge-edge-node-2'];
    for (const name of sites) {
      const spec = out.get('Deployment', name, ns).spec.template.spec;
      const main = spec.containers.find((c: any) => c.name === 'task-manager');
      const ssl = sslFolderOf(spec, main);
      // The program reads its folder from the setup file's `ssl` key: it must be where the Secret is mounted.
      expect(ssl).toBeDefined();
      expect(setupOf(out, name).ssl).toBe(ssl!.path);
      // Each site has a certificate of its own.
      expect(certificateOf(ssl!.secret)).toBeDefined();
    }
  });

  test('the proxy has its ssl folder, and nginx.conf reads the three files from it', () => {
    const spec = out.get('Deployment', 'nsfl-proxy', ns).spec.template.spec;
    const ssl = sslFolderOf(spec, spec.containers[0])!;
    for (const f of ['cert.pem', 'private.key']) {
      expect(nginx).toContain(`ssl_certificate${f === 'private.key' ? '_key' : ''} ${ssl.path}/${f};`);
      expect(nginx).toContain(`grpc_ssl_certificate${f === 'private.key' ? '_key' : ''} ${ssl.path}/${f};`);
    }
    expect(nginx).toContain(`ssl_client_certificate ${ssl.path}/trusted.pem;`);
    expect(nginx).toContain(`grpc_ssl_trusted_certificate ${ssl.path}/trusted.pem;`);
  });

  /** The server blocks of a block of nginx.conf (`stream` or `http`). */
  const serversOf = (block: 'stream' | 'http') => {
    const text = new RegExp(`\\n${block} \\{([\\s\\S]*?)\\n\\}\\n`).exec(nginx)![1];
    return text.split(/\n {4}server \{/).slice(1).map((s) => s.split('\n    }\n')[0]);
  };

  test('nginx.conf: the gRPC port is mutual TLS only, ended in stream; behind it one loopback gRPC server; coordinators reached over mutual TLS', () => {
    const grpcPort = out.get('Service', 'nsfl-proxy', ns).spec.ports.find((p: any) => p.name === 'grpc').port;
    const [listener] = serversOf('stream');
    // The Service's gRPC port ends TLS and demands a client certificate from the CA: no plaintext byte gets past the handshake.
    expect(listener).toContain(`listen ${grpcPort} ssl;`);
    expect(listener).toContain('ssl_verify_client on;');
    // Chains through intermediate CAs (an issuer of yours) verify; nginx's default depth is 1.
    expect(listener).toContain('ssl_verify_depth 4;');
    expect(listener).toMatch(/ssl_protocols TLSv1\.2 TLSv1\.3;/);
    // Standard modules only: no stream Lua, which a stock nginx lacks.
    expect(nginx.slice(0, nginx.indexOf('\nhttp {'))).not.toMatch(/_by_lua/);
    // It admits only the task managers' certificates (their subjects; tested against a real nginx in proxy-tls.nginx.test.ts).
    expect(listener).toContain('proxy_pass $nsfl_task_manager;');
    const admitted = [...nginx.matchAll(/^\s+"CN=([^"]+)" 127\.0\.0\.1:(\d+);$/gm)];
    const taskManagerNames = ['nsfl-task-manager-tls', 'nsfl-tls-edge-node-1', 'nsfl-tls-edge-node-2'].map((s) => certificateOf(s).spec.commonName);
    expect([...new Set(taskManagerNames)].sort()).toEqual(admitted.map((m) => m[1]).sort());
    const inner = admitted[0][2];
    const http = serversOf('http');
    const grpc = http.find((s) => s.includes(`listen 127.0.0.1:${inner} http2 proxy_protocol;`))!;
    expect(grpc).toBeDefined();
    // No other server speaks gRPC, and the only one is on loopback: nothing answers plaintext gRPC from outside the pod.
    expect(http.filter((s) => / http2\b/.test(s))).toEqual([grpc]);
    // Registration goes to the selector; everything else (task results) to coordinators over TLS with the proxy's client certificate, checking theirs.
    expect(grpc).toMatch(/location \/ClientService \{\s*grpc_pass grpc:\/\/selector;/);
    const toCoordinators = /location \/ \{([\s\S]*?)\n {8}\}/.exec(grpc)![1];
    expect(toCoordinators).toContain('grpc_pass grpcs://coordinator;');
    expect(toCoordinators).toContain('grpc_ssl_verify on;');
    expect(toCoordinators).toContain('grpc_ssl_verify_depth 4;');
    // The coordinators' name demanded is the route's namespace's (module-id <namespace>-<job>), which its certificate carries.
    expect(toCoordinators).toContain('grpc_ssl_name $nsfl_coordinator_name;');
    const coordinatorCert = certificates.find((c) => c.metadata.name === 'nsfl-coordinator-tls-default');
    expect(coordinatorCert.spec.dnsNames).toEqual(['coordinators.default.nsfl.internal']);
    expect(nginx).toMatch(/map \$http_module_id \$nsfl_coordinator_name \{\n\s+~\^default- coordinators\.default\.nsfl\.internal;\n\s+default no-fl-namespace\.invalid;\n\s+\}/);
  });

  test("nginx.conf: the TLS listener passes on each client's address (PROXY protocol), so the gRPC server logs task managers, not 127.0.0.1", () => {
    const [listener] = serversOf('stream');
    expect(listener).toContain('proxy_protocol on;');
    const [, inner] = /"CN=[^"]+" 127\.0\.0\.1:(\d+);/.exec(nginx)!;
    const servers = serversOf('http');
    const server = servers.find((s) => s.includes(`listen 127.0.0.1:${inner} `))!;
    // The server behind the listener expects the header, and trusts it only from the listener (loopback).
    expect(server).toMatch(new RegExp(`listen 127\\.0\\.0\\.1:${inner} [^;]*\\bproxy_protocol;`));
    expect(server).toContain('set_real_ip_from 127.0.0.1;');
    expect(server).toContain('real_ip_header proxy_protocol;');
    // Servers reached directly (the HTTP port) get no header, so they must not expect one.
    const direct = servers.filter((s) => !s.includes('listen 127.0.0.1:'));
    expect(direct.length).toBeGreaterThan(0);
    for (const server of direct) expect(server).not.toContain('proxy_protocol');
  });

  test("every task manager (cloud and edge) sends all it has for the proxy through its own TLS tunnel, which checks the proxy's certificate", () => {
    const proxyCert = certificates.find((c) => c.spec.secretName === 'nsfl-proxy-tls');
    const proxyGrpc = out.get('Service', 'nsfl-proxy', ns).spec.ports.find((p: any) => p.name === 'grpc').port;
    const reach: Record<string, string> = {
      'nsfl-task-manager': `nsfl-proxy.${ns}.svc:${proxyGrpc}`,
      'nsfl-edge-edge-node-1': '203.0.113.10:30091',
      'nsfl-edge-edge-node-2': '203.0.113.10:30091',
    };
    for (const [name, proxyAddress] of Object.entries(reach)) {
      const spec = out.get('Deployment', name, ns).spec.template.spec;
      const names = spec.containers.map((c: any) => c.name);
      const tunnel = spec.containers.find((c: any) => c.name === 'tls-tunnel');
      // Listed before the program, whose start its postStart holds back until it listens (the program registers once).
      expect(names.indexOf('tls-tunnel')).toBeLessThan(names.indexOf('task-manager'));
      expect(tunnel.lifecycle.postStart.exec.command.join(' ')).toContain('nc -w 2 127.0.0.1 21091');
      // Its nginx.conf is the file its command names, from the site's ConfigMap.
      const confPath = tunnel.command[tunnel.command.indexOf('-c') + 1];
      const mount = tunnel.volumeMounts.find((m: any) => m.mountPath === confPath);
      const configMap = spec.volumes.find((v: any) => v.name === mount.name).configMap.name;
      const conf: string = out.get('ConfigMap', configMap, ns).data[mount.subPath];
      // The program's `server` is the tunnel, on loopback.
      const listen = /listen (127\.0\.0\.1:\d+);/.exec(conf)![1];
      expect(setupOf(out, name).server).toBe(listen);
      // The tunnel goes to the proxy as the site reaches it, over mutual TLS with the pod's own certificate.
      expect(conf).toContain(`proxy_pass ${proxyAddress};`);
      expect(conf).toContain('proxy_ssl on;');
      const ssl = sslFolderOf(spec, tunnel)!;
      expect(ssl.secret).toBe(sslFolderOf(spec, spec.containers.find((c: any) => c.name === 'task-manager'))!.secret);
      for (const [directive, file] of [['proxy_ssl_certificate', 'cert.pem'], ['proxy_ssl_certificate_key', 'private.key'], ['proxy_ssl_trusted_certificate', 'trusted.pem']]) {
        expect(conf).toContain(`${directive} ${ssl.path}/${file};`);
      }
      // It checks the proxy's certificate by a DNS name the certificate carries (nginx never matches an IP address).
      expect(conf).toContain('proxy_ssl_verify on;');
      const sslName = /proxy_ssl_name (\S+);/.exec(conf)![1];
      expect(proxyCert.spec.dnsNames).toContain(sslName);
      expect(sslName).not.toMatch(/^[\d.]+$/);
    }
  });

  test("coordinators: each FL namespace's certificate is published into its folder of the shared root, and hidden from the upload endpoint", () => {
    const js = out.get('Deployment', 'nsfl-job-scheduler', ns).spec.template.spec;
    const publish = js.initContainers.find((c: any) => c.name === 'publish-coordinator-certificates');
    const script: string = publish.command[2];
    // The job config's `ssl: .nsfl-tls` is read relative to <shared root>/<namespace>/.
    expect(script).toContain('for ns in default; do');
    expect(script).toContain('dir="/workspace/$ns/.nsfl-tls"');
    expect(script).toMatch(/for f in cert\.pem private\.key trusted\.pem/);
    expect(script).toContain('chmod 0600');
    const volume = js.volumes.find((v: any) => v.name === 'coordinator-tls');
    expect(volume.projected.sources).toEqual([
      { secret: { name: 'nsfl-coordinator-tls-default', items: SSL_ITEMS.map((i) => ({ key: i.key, path: `default/${i.path}` })) } },
    ]);
    // The S3 endpoint serves the shared root: an empty read-only folder covers the certificate folder.
    const minio = out.get('Deployment', 'nsfl-object-storage', ns).spec.template.spec;
    const cover = minio.containers[0].volumeMounts.find((m: any) => m.mountPath === '/data/default/.nsfl-tls');
    expect(cover.readOnly).toBe(true);
    expect(minio.volumes.find((v: any) => v.name === cover.name).emptyDir).toBeDefined();
  });

  test('the embedded database demands TLS from every other host, with its key owned by PostgreSQL and mode 0600', () => {
    const hba: string = out.get('ConfigMap', 'nsfl-database-hba', ns).data['pg_hba.conf'];
    const rules = hba.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).map((l) => l.trim().split(/\s+/));
    // Only the pod itself (socket, loopback) may skip TLS; every other address must use it (or is rejected).
    for (const [type, , , address, method] of rules) {
      if (type === 'host' && method !== 'reject') expect(['127.0.0.1/32', '::1/128']).toContain(address);
    }
    // From other hosts, every program's role needs its password and a certificate of the CA named after it; any other
    // role (the superuser, whose name comes from a Secret) its password and any certificate of that CA.
    expect(rules.filter(([type]) => type !== 'local' && type !== 'host').map((r) => r.slice(2).join(' '))).toEqual([
      'fl_job_scheduler 0.0.0.0/0 scram-sha-256 clientcert=verify-full',
      'fl_job_scheduler ::/0 scram-sha-256 clientcert=verify-full',
      'fl_model_manager 0.0.0.0/0 scram-sha-256 clientcert=verify-full',
      'fl_model_manager ::/0 scram-sha-256 clientcert=verify-full',
      'fl_task_manager 0.0.0.0/0 scram-sha-256 clientcert=verify-full',
      'fl_task_manager ::/0 scram-sha-256 clientcert=verify-full',
      'fl_edge_task_manager 0.0.0.0/0 scram-sha-256 clientcert=verify-full',
      'fl_edge_task_manager ::/0 scram-sha-256 clientcert=verify-full',
      'all 0.0.0.0/0 scram-sha-256 clientcert=verify-ca',
      'all ::/0 scram-sha-256 clientcert=verify-ca',
    ]);
    // Its plaintext connections from other hosts are rejected before any password line can take them.
    expect(rules.filter(([, , , , method]) => method === 'reject').map((r) => `${r[0]} ${r[2]} ${r[3]}`)).toEqual([
      'host fl_job_scheduler 0.0.0.0/0',
      'host fl_job_scheduler ::/0',
      'host fl_model_manager 0.0.0.0/0',
      'host fl_model_manager ::/0',
      'host fl_task_manager 0.0.0.0/0',
      'host fl_task_manager ::/0',
      'host fl_edge_task_manager 0.0.0.0/0',
      'host fl_edge_task_manager ::/0',
    ]);
    const sts = out.get('StatefulSet', 'nsfl-database', ns).spec.template.spec;
    const args: string[] = sts.containers[0].args;
    // The CA verifies the clients' certificates (a copy, renewed in place like the key).
    expect(args).toEqual(expect.arrayContaining(['ssl=on', 'hba_file=/etc/neursafe-fl/postgres/pg_hba.conf', 'ssl_ca_file=/etc/neursafe-fl/tls/ca.crt']));
    const copy = sts.initContainers.find((c: any) => c.name === 'tls-files');
    expect(copy.securityContext.runAsUser).toBe(sts.containers[0].securityContext.runAsUser);
    expect(copy.command[2]).toContain('install -m 0600 /etc/neursafe-fl/tls-secret/tls.key /etc/neursafe-fl/tls/.server.key.new');
    expect(copy.command[2]).toContain('mv -f /etc/neursafe-fl/tls/.server.key.new /etc/neursafe-fl/tls/server.key');
    expect(args).toContain('ssl_key_file=/etc/neursafe-fl/tls/server.key');
    // A renewed certificate or a changed pg_hba.conf is loaded in place: the programs never reopen a lost connection.
    const sidecar = sts.containers.find((c: any) => c.name === 'tls-reload');
    expect(sidecar.command[2]).toContain(copy.command[2].split('\n').slice(1).join('\n    '));
    expect(sidecar.command[2]).toContain('SELECT pg_reload_conf()');
    expect(out.get('Certificate', 'nsfl-database-tls', ns).metadata.annotations['fl.neursafe.io/restart']).toBeUndefined();
  });

  test.each([
    ['the bundled config (edge nodes at an IP address)', withOverrides({})],
    ['edge nodes at a DNS name', withOverrides({ edge: { databaseAddress: 'db.fl.example.com:30432' } })],
    ['edge nodes through EdgeMesh', withOverrides({ edge: { edgeMesh: true, proxyAddress: 'nsfl-proxy.neursafe-fl.svc:30091', databaseAddress: null },
      database: { embedded: { edgeNodePort: null } } })],
  ])('%s: every database client dials a host the database certificate names (verify-full checks it)', (_, text) => {
    const o = synth(text);
    const cert = o.get('Certificate', 'nsfl-database-tls', ns).spec;
    const names = [...(cert.dnsNames ?? []), ...(cert.ipAddresses ?? [])];
    const clients = podTemplates(o).flatMap(({ obj, spec }) => containers({ spec: { template: { spec } } }).map((c: any) => ({ who: `${obj.metadata.name}/${c.name}`, c: o.withEnvFrom(c) })));
    // DB_ADDRESS of the programs; PGHOST of the set-up Job's psql, set in its script.
    const dialled = clients.flatMap(({ who, c }) => [
      ...(plainEnv(c).DB_ADDRESS !== undefined ? [{ who, host: plainEnv(c).DB_ADDRESS.split(':')[0] }] : []),
      ...[...JSON.stringify(c.command ?? []).matchAll(/PGHOST=([^\s"]+)/g)].map((m) => ({ who, host: m[1] })),
    ]);
    // The job scheduler, the model manager, the cloud and both edge task managers, and the set-up Job's psql.
    expect(dialled.length).toBeGreaterThanOrEqual(5);
    for (const d of dialled) expect({ ...d, named: names.includes(d.host) }).toEqual({ ...d, named: true });
  });

  test('every database client verifies the server with the CA and its host name (PGSSLMODE=verify-full) from a file it mounts', () => {
    const clients = podTemplates(out).flatMap(({ spec }) => containers({ spec: { template: { spec } } }).map((c: any) => ({ spec,
      c: out.withEnvFrom(c) }))).filter(({ c }) => plainEnv(c).DB_ADDRESS !== undefined || c.name === 'tables');
    // The job scheduler, the model manager, the set-up Job's psql, the cloud and both edge task managers.
    expect(clients.length).toBe(6);
    for (const { spec, c } of clients) {
      const e = plainEnv(c);
      expect(e.PGSSLMODE).toBe('verify-full');
      // A CA folder of its own, or (an edge node, whose database CA is its own certificate's) its ssl folder's trusted.pem.
      const mount = c.volumeMounts.find((m: any) => e.PGSSLROOTCERT === `${m.mountPath}/ca.crt` || e.PGSSLROOTCERT === `${m.mountPath}/trusted.pem`);
      const volume = spec.volumes.find((v: any) => v.name === mount.name);
      const file = e.PGSSLROOTCERT.slice(mount.mountPath.length + 1);
      expect(volume.secret.items).toContainEqual({ key: 'ca.crt', path: file });
    }
  });

  test("task managers' certificates are named after their database roles, and the task managers present them to the database", () => {
    for (const node of ['edge-node-1', 'edge-node-2']) {
      const cert = certificateOf(`nsfl-tls-${node}`).spec;
      // The common name clientcert=verify-full matches with the role; the node's address stays its SAN.
      expect(cert.commonName).toBe('fl_edge_task_manager');
      expect(cert.ipAddresses).toEqual([node === 'edge-node-1' ? '192.0.2.11' : '192.0.2.12']);
      const tm = out.withEnvFrom(containers(out.get('Deployment', `nsfl-edge-${node}`, ns)).find((c) => c.name === 'task-manager'));
      const ssl = tm.volumeMounts.find((m: any) => m.name === 'ssl').mountPath;
      expect(plainEnv(tm)).toMatchObject({ PGSSLCERT: `${ssl}/cert.pem`, PGSSLKEY: `${ssl}/private.key` });
    }
    // The cloud task manager's subject is its own role's, and it presents its certificate too.
    expect(certificateOf('nsfl-task-manager-tls').spec.commonName).toBe('fl_task_manager');
    const cloud = containers(out.get('Deployment', 'nsfl-task-manager', ns)).find((c) => c.name === 'task-manager');
    expect(plainEnv(cloud)).toMatchObject({ PGSSLCERT: '/etc/neursafe-fl/ssl/cert.pem', PGSSLKEY: '/etc/neursafe-fl/ssl/private.key' });
    // No other certificate has a subject a task manager's check or a database role could match.
    for (const secret of ['nsfl-proxy-tls', 'nsfl-database-tls', 'nsfl-coordinator-tls-default']) expect(certificateOf(secret).spec.commonName).toBeUndefined();
  });

  test.each([
    ['nsfl-job-scheduler', 'nsfl-job-scheduler-tls', 'fl_job_scheduler'],
    ['nsfl-model-manager', 'nsfl-model-manager-tls', 'fl_model_manager'],
  ])('%s presents a database client certificate of its own, named after its role, for client authentication only', (deployment, secret, role) => {
    const cert = certificateOf(secret).spec;
    expect(cert.commonName).toBe(role);
    expect(cert.usages).toEqual(['digital signature', 'key encipherment', 'client auth']);
    expect(cert.dnsNames ?? cert.ipAddresses).toBeUndefined();
    const spec = out.get('Deployment', deployment, ns).spec.template.spec;
    const main = spec.containers.find((c: any) => plainEnv(c).DB_ADDRESS !== undefined);
    const folder = sslFolderOf(spec, main)!;
    expect(folder).toEqual({ secret, path: '/etc/neursafe-fl/database-client' });
    // Root's, mode 0400 (libpq accepts a root-owned key up to 0640), read by the program running as root.
    expect(spec.volumes.find((v: any) => v.name === 'ssl').secret.defaultMode).toBe(0o400);
    expect(main.securityContext.runAsUser).toBe(0);
    expect(plainEnv(main)).toMatchObject({ PGSSLCERT: `${folder.path}/cert.pem`, PGSSLKEY: `${folder.path}/private.key` });
    // Only its own container has it.
    expect(spec.containers.concat(spec.initContainers ?? []).filter((c: any) => (c.volumeMounts ?? []).some((m: any) => m.name === 'ssl')).map((c: any) => c.name)).toEqual([main.name]);
  });

  test("the set-up Job presents a client certificate too, readable by its non-root psql through the pod's group only", () => {
    const job = out.get('Job', 'nsfl-database-setup', ns).spec.template.spec;
    const tables = job.initContainers.find((c: any) => c.name === 'tables');
    const folder = sslFolderOf(job, tables)!;
    expect(folder).toEqual({ secret: 'nsfl-database-setup-tls', path: '/etc/neursafe-fl/database-client' });
    // psql runs as PostgreSQL's user, not root: the key stays root's, mode 0440, group fsGroup 999 (libpq: root's up to 0640).
    expect(tables.securityContext).toMatchObject({ runAsUser: 999, runAsNonRoot: true });
    expect(job.securityContext.fsGroup).toBe(999);
    expect(job.volumes.find((v: any) => v.name === 'ssl').secret.defaultMode).toBe(0o440);
    expect(plainEnv(tables)).toMatchObject({ PGSSLCERT: `${folder.path}/cert.pem`, PGSSLKEY: `${folder.path}/private.key` });
    expect(job.containers.some((c: any) => (c.volumeMounts ?? []).some((m: any) => m.name === 'ssl'))).toBe(false);
    const cert = certificateOf('nsfl-database-setup-tls').spec;
    expect(cert.usages).toEqual(['digital signature', 'key encipherment', 'client auth']);
    // Its subject names no role (the superuser's name is not known here).
    expect(cert.commonName).toBe('nsfl-database-setup');
  });

  test('an edge node receives no Secret but its own (KubeEdge copies every referenced Secret to the node)', () => {
    for (const { file, spec } of podTemplates(out).filter((p) => p.file.startsWith('edge/'))) {
      const node = spec.nodeSelector['kubernetes.io/hostname'];
      const secrets = new Set<string>();
      for (const v of spec.volumes) for (const s of v.projected?.sources ?? []) if (s.secret) secrets.add(s.secret.name);
      for (const v of spec.volumes) if (v.secret) secrets.add(v.secret.secretName);
      for (const c of spec.containers) for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) secrets.add(e.valueFrom.secretKeyRef.name);
      expect([...secrets].filter((s) => !s.includes(node) && s !== 'nsfl-db-edge-task-manager')).toEqual([]);
      expect(file).toContain(node);
    }
  });

  test("every certificate is RSA, for server and client (the database clients' for client only), from the platform's CA; the cert-manager objects are valid", () => {
    const issuers = out.all('Issuer');
    const ca = issuers.find((i) => i.spec.ca !== undefined);
    const root = certificates.find((c) => c.spec.secretName === ca.spec.ca.secretName);
    expect(root.spec.isCA).toBe(true);
    expect(issuers.find((i) => i.metadata.name === root.spec.issuerRef.name).spec.selfSigned).toEqual({});
    for (const c of certificates.filter((x) => !x.spec.isCA)) {
      // The programs' TLS 1.2 ciphers are ECDHE-RSA: an ECDSA key fails the handshake.
      expect(c.spec.privateKey.algorithm).toBe('RSA');
      const databaseClient = ['nsfl-job-scheduler-tls', 'nsfl-model-manager-tls', 'nsfl-database-setup-tls'].includes(c.spec.secretName);
      expect(c.spec.usages).toEqual(['digital signature', 'key encipherment', ...(databaseClient ? [] : ['server auth']), 'client auth']);
      expect(issuerOf(c)).toEqual({ group: 'cert-manager.io', kind: 'Issuer', name: ca.metadata.name });
    }
    for (const o of [...certificates, ...issuers]) expect(validateManifest(o)).toEqual([]);
    // One per program: proxy, cloud task manager, database, each FL namespace's coordinators, each edge node, and the
    // database clients without a program certificate (job scheduler, model manager, set-up Job).
    expect(certificates.map((c) => c.metadata.name).sort()).toEqual([
      'nsfl-ca', 'nsfl-coordinator-tls-default', 'nsfl-database-setup-tls', 'nsfl-database-tls', 'nsfl-job-scheduler-tls', 'nsfl-model-manager-tls', 'nsfl-proxy-tls', 'nsfl-task-manager-tls',
      'nsfl-tls-edge-node-1', 'nsfl-tls-edge-node-2',
    ]);
    // An edge node's Certificate is in its own file, so it comes and goes with the node.
    expect(out.objects.find((o) => o.obj.kind === 'Certificate' && o.obj.metadata.name === 'nsfl-tls-edge-node-1')!.file).toMatch(/^edge\/s\d+\/edge-node-1\.k8s\.yaml$/);
  });
});

describe('TLS settings', () => {
  test('certificates you bring: no cert-manager objects, the named Secrets are mounted', () => {
    const out = synth(withOverrides({ tls: { certificates: 'existing', existingSecrets: { proxy: 'my-proxy', coordinators: 'my-coordinators', edgeNodePrefix: 'my-edge-', jobScheduler: 'my-jobs',
      databaseSetup: 'my-setup' } } }));
    expect(out.all('Certificate')).toEqual([]);
    // The database clients' certificates: named, or the defaults.
    const clientSecret = (kind: string, name: string) => out.get(kind, name, ns).spec.template.spec.volumes.find((v: any) => v.name === 'ssl').secret.secretName;
    expect(clientSecret('Deployment', 'nsfl-job-scheduler')).toBe('my-jobs');
    expect(clientSecret('Deployment', 'nsfl-model-manager')).toBe('nsfl-model-manager-tls');
    expect(clientSecret('Job', 'nsfl-database-setup')).toBe('my-setup');
    expect(out.all('Issuer')).toEqual([]);
    const proxy = out.get('Deployment', 'nsfl-proxy', ns).spec.template.spec;
    expect(proxy.volumes.find((v: any) => v.name === 'ssl').secret.secretName).toBe('my-proxy');
    const edge = out.get('Deployment', 'nsfl-edge-edge-node-1', ns).spec.template.spec;
    expect(edge.volumes.find((v: any) => v.name === 'ssl').secret.secretName).toBe('my-edge-edge-node-1');
  });

  test('your own issuer signs every certificate; no CA is made', () => {
    const out = synth(withOverrides({ tls: { certManager: { issuer: { name: 'corp-ca', dedicated: true } } } }));
    expect(out.all('Issuer')).toEqual([]);
    for (const c of out.all('Certificate')) expect(issuerOf(c)).toEqual({ group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'corp-ca' });
  });

  test("each FL namespace's coordinators carry a name of their own, and the proxy demands the route's namespace's", () => {
    const out = synth(withOverrides({ sharedRoot: { namespaces: ['default', 'team-b'] } }));
    const cert = (n: string) => out.get('Certificate', `nsfl-coordinator-tls-${n}`, ns).spec.dnsNames;
    expect(cert('default')).toEqual(['coordinators.default.nsfl.internal']);
    expect(cert('team-b')).toEqual(['coordinators.team-b.nsfl.internal']);
    const conf: string = out.get('ConfigMap', 'nsfl-proxy', ns).data['nginx.conf'];
    expect(conf).toContain('        ~^team-b- coordinators.team-b.nsfl.internal;\n');
    expect(conf).toContain('        ~^default- coordinators.default.nsfl.internal;\n');
  });

  test('no FL namespace may begin with another and a "-" (their coordinators would share names, and the proxy could not tell their certificates apart)', () => {
    expect(configErrors(withOverrides({ sharedRoot: { namespaces: ['team', 'team-b'] } })).join('\n')).toMatch(
      new RegExp(
        String.raw`error: sharedRoot\.namespaces\[1\]: "team-b" begins with the FL namespace "team" and a "-": ` +
        String.raw`coordinators are named <namespace>-<job>, so job "b-x" of "team" and job "x" of "team-b" would be the same coordinator`,
      ),
    );
    expect(configErrors(withOverrides({ sharedRoot: { namespaces: ['team', 'teamb'] } }))).toEqual([]);
  });

  test('an issuer of yours is accepted only when the config states its CA signs nothing but this platform', () => {
    for (const dedicated of [undefined, false]) {
      const errors = configErrors(withOverrides({ tls: { certManager: { issuer: { name: 'corp-ca', ...(dedicated === undefined ? {} : { dedicated }) } } } })).join('\n');
      expect(errors).toMatch(/error: tls\.certManager\.issuer\.dedicated: the issuer ClusterIssuer "corp-ca" would be trusted whole: the programs admit every certificate its CA signs/);
      expect(errors).toContain('an intermediate that signs nothing else');
    }
  });

  test('plaintext to the database from other hosts is an explicit, warned choice', () => {
    const out = synth(withOverrides({ tls: { plaintextDatabase: true } }));
    const hba: string = out.get('ConfigMap', 'nsfl-database-hba', ns).data['pg_hba.conf'];
    // The roles of no program (the superuser) keep a password only, with or without TLS, as before their certificates.
    expect(hba).toMatch(/^host\s+all\s+all\s+0\.0\.0\.0\/0\s+scram-sha-256\n/m);
    expect(hba).not.toContain('clientcert=verify-ca');
    // The programs' roles still need TLS and their certificate.
    for (const role of ['fl_job_scheduler', 'fl_model_manager', 'fl_task_manager', 'fl_edge_task_manager']) {
      expect(hba).toMatch(new RegExp(`^hostssl\\s+all\\s+${role}\\s+0\\.0\\.0\\.0/0\\s+scram-sha-256 clientcert=verify-full$`, 'm'));
      expect(hba).toMatch(new RegExp(`^host\\s+all\\s+${role}\\s+0\\.0\\.0\\.0/0\\s+reject$`, 'm'));
    }
    expect(out.warnings.some((w) => w.includes('unencrypted'))).toBe(true);
    // The database's NodePort then admits passwords in plaintext: warned too.
    expect(out.warnings.some((w) => w.includes('NodePort 30432') && w.includes('tls.plaintextDatabase'))).toBe(true);
  });

  test('the bundled config synthesizes with no warning: the database NodePort admits the edge role only with an edge certificate', () => {
    expect(synth().warnings).toEqual([]);
  });

  test('TLS off (a lab): no ssl folders, no certificates, plaintext gRPC, and a warning', () => {
    const out = synth(withOverrides({ tls: { enabled: false } }));
    expect(out.all('Certificate')).toEqual([]);
    expect(out.get('ConfigMap', 'nsfl-proxy', ns).data['nginx.conf']).not.toContain('stream {');
    expect(setupOf(out, 'nsfl-task-manager').ssl).toBeUndefined();
    expect(out.objects.filter((o) => o.obj.kind === 'ConfigMap' && o.obj.metadata.name === 'nsfl-database-hba')).toEqual([]);
    expect(out.warnings.some((w) => w.includes('TLS is off'))).toBe(true);
    expect(out.warnings.some((w) => w.includes('NodePort 30432') && w.includes('no certificate is demanded'))).toBe(true);
  });

  test('renewal must come before expiry', () => {
    expect(configErrors(withOverrides({ tls: { certManager: { duration: '720h', renewBefore: '720h' } } })).join('\n')).toMatch(
      /tls\.certManager\.renewBefore: must be shorter than tls\.certManager\.duration/,
    );
    expect(configErrors(withOverrides({ tls: { certManager: { duration: '1y' } } })).join('\n')).toMatch(/tls\.certManager\.duration: must be a duration/);
  });

  test('the database behind a load balancer admits only the edge source ranges', () => {
    const text = withOverrides({ database: { embedded: { edgeNodePort: null, edgeLoadBalancer: { sourceRanges: ['192.0.2.0/24'] } } } });
    const out = synth(text);
    const svc = out.get('Service', 'nsfl-database-edge', ns);
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.loadBalancerSourceRanges).toEqual(['192.0.2.0/24']);
    // The load balancer keeps client addresses, so the database's NetworkPolicy admits only the edge range as well.
    expect(svc.spec.externalTrafficPolicy).toBe('Local');
    const net = new NetworkEvaluator(out.objects.map((o) => o.obj), []);
    expect(net.allowsService(external('an edge node', '192.0.2.11'), 'nsfl-database-edge', 'postgres')).toBe(true);
    expect(net.allowsService(external('a stranger', '198.51.100.7'), 'nsfl-database-edge', 'postgres')).toBe(false);
    expect(configErrors(withOverrides({ database: { embedded: { edgeLoadBalancer: { sourceRanges: ['192.0.2.0/24'] } } } })).join('\n')).toMatch(
      /database\.embedded\.edgeLoadBalancer: set one way/,
    );
  });

  test("cert-manager's optional Argo CD Application installs the pinned official chart and keeps its CRDs", () => {
    const out = synth(withOverrides({ gitops: { argocd: { certManager: { enabled: true } } } }));
    const app = out.get('Application', 'cert-manager');
    expect(app.spec.source).toMatchObject({ repoURL: 'https://charts.jetstack.io', chart: 'cert-manager', targetRevision: 'v1.19.1' });
    expect(app.spec.source.helm.valuesObject.crds).toEqual({ enabled: true, keep: true });
    expect(validateManifest(app)).toEqual([]);
  });
});

describe('renewed certificates are loaded: the reloader restarts what read the old one', () => {
  const out = synth();
  const ns = 'neursafe-fl';

  test("each program's Certificate names the workload that reads it, and carries that workload's pod labels (the reloader's join key)", () => {
    const restarted = out.all('Certificate').filter((x) => x.metadata.annotations['fl.neursafe.io/restart'] !== undefined);
    // Only the task managers': the proxy, the database and the coordinators' folders load a renewal in place.
    expect(restarted.map((c) => c.metadata.name).sort()).toEqual(['nsfl-task-manager-tls', 'nsfl-tls-edge-node-1', 'nsfl-tls-edge-node-2']);
    for (const c of restarted) {
      const [kind, name] = c.metadata.annotations['fl.neursafe.io/restart'].split('/');
      expect(kind).toBe('deployment');
      const workload = out.get('Deployment', name, ns);
      const podLabels = workload.spec.template.metadata.labels;
      for (const k of ['app.kubernetes.io/component', 'fl.neursafe.io/site']) expect(c.metadata.labels[k]).toBe(podLabels[k]);
      // The workload really mounts that Secret (directly, or to publish it for coordinators).
      expect(JSON.stringify(workload.spec.template.spec.volumes)).toContain(`"${c.spec.secretName}"`);
    }
  });

  /** Runs the reloader's script against a stand-in kubectl that answers the three lists; returns what it restarted. */
  function reload(lists: { pods: string; certs: string; workloads: string }): { status: number | null; restarted: string[]; output: string } {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-reload-'));
    fs.mkdirSync(path.join(state, 'bin'));
    for (const [f, text] of Object.entries(lists)) fs.writeFileSync(path.join(state, f), text);
    fs.writeFileSync(
      path.join(state, 'bin', 'kubectl'),
      `#!/bin/sh
case "$*" in
  *"get pods "*) cat "$STATE/pods" ;;
  *"get certificates "*) cat "$STATE/certs" ;;
  *"get deployments "*) cat "$STATE/workloads" ;;
  *"rollout restart "*) echo "$5" >> "$STATE/restarted" ;;
  *) exit 1 ;;
esac
`,
      { mode: 0o755 },
    );
    const cron = out.get('CronJob', 'nsfl-certificate-reloader', ns);
    const script: string = cron.spec.jobTemplate.spec.template.spec.containers[0].command[2];
    fs.mkdirSync(path.join(state, 'home'));
    const run = spawnSync('sh', ['-c', script], { env: { PATH: `${path.join(state, 'bin')}:${process.env.PATH}`, STATE: state, HOME: path.join(state, 'home') }, encoding: 'utf8' });
    const file = path.join(state, 'restarted');
    const restarted = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : [];
    fs.rmSync(state, { recursive: true, force: true });
    return { status: run.status, restarted, output: run.stdout + run.stderr };
  }

  test('it restarts exactly the workloads whose pods started before their certificate was issued, once', () => {
    const r = reload({
      pods: [
        'proxy/ 2026-01-01T00:00:00Z', // started before its certificate's renewal
        'task-manager/cloud 2026-06-01T00:00:00Z', // started after
        'task-manager/edge-node-1 2026-01-01T00:00:00Z', // before, but already restarted since (an offline node's pod)
        'job-scheduler/ 2026-01-01T00:00:00Z', // one of its pods started before
        'job-scheduler/ 2026-05-30T00:00:00Z',
        'model-manager/ 2026-01-01T00:00:00Z', // no certificate
        'task-manager/edge-node-2 ', // pending: no start time yet
      ].join('\n'),
      certs: [
        'proxy/ 2026-05-01T00:00:00Z deployment/nsfl-proxy',
        'task-manager/cloud 2026-05-01T00:00:00Z deployment/nsfl-task-manager',
        'task-manager/edge-node-1 2026-05-01T00:00:00Z deployment/nsfl-edge-edge-node-1',
        'job-scheduler/ 2026-05-01T00:00:00Z deployment/nsfl-job-scheduler',
        'task-manager/edge-node-2  deployment/nsfl-edge-edge-node-2', // not issued yet
      ].join('\n'),
      workloads: ['Deployment/nsfl-proxy ', 'Deployment/nsfl-edge-edge-node-1 2026-05-02T00:00:00Z', 'Deployment/nsfl-job-scheduler 2026-04-01T00:00:00Z'].join('\n'),
    });
    expect(r.status).toBe(0);
    expect(r.restarted.sort()).toEqual(['deployment/nsfl-job-scheduler', 'deployment/nsfl-proxy']);
    expect(r.output).toContain('restarted 2 workload(s)');
  });
});

describe('renewed certificates are loaded in place where a restart would hurt', () => {
  const out = synth();

  /** A sidecar's script with its folders moved under `dir` and its wait shortened. */
  function localScript(container: any, moves: Record<string, string>): string {
    let script: string = container.command[2];
    for (const [from, to] of Object.entries(moves)) script = script.split(from).join(to);
    return script.replace(/while sleep \d+; do/, 'while sleep 0.1; do');
  }

  async function until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  // The sidecar looks for nginx among every process it sees: run it in a PID namespace of its own, like the pod's.
  const ownPidNamespace = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
  (ownPidNamespace ? test : test.skip)("the proxy's sidecar sends SIGHUP to nginx's master, not its workers, when the certificate changes (routes survive a reload)", async () => {
    const pod = out.get('Deployment', 'nsfl-proxy', ns).spec.template.spec;
    // The sidecar sees nginx's processes.
    expect(pod.shareProcessNamespace).toBe(true);
    const sidecar = pod.containers.find((c: any) => c.name === 'tls-reload');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-hup-'));
    const ssl = path.join(dir, 'ssl');
    fs.mkdirSync(ssl);
    for (const f of SSL_ITEMS) fs.writeFileSync(path.join(ssl, f.path), 'old');
    // A stand-in nginx: a master named "nginx" with a worker named "nginx"; on SIGHUP it records the signal and,
    // unless told to fail (as nginx does when the new files do not load), starts a new worker.
    fs.mkdirSync(path.join(dir, 'w'));
    fs.copyFileSync('/bin/sleep', path.join(dir, 'w', 'nginx'));
    const onHup = `echo hup >> ${dir}/hups; [ -f ${dir}/fail ] || ${dir}/w/nginx 30 &`;
    fs.writeFileSync(path.join(dir, 'nginx'), `#!/bin/sh\ntrap '${onHup}' HUP\n${dir}/w/nginx 30 &\nwhile true; do sleep 0.05; done\n`, { mode: 0o755 });
    const script = localScript(sidecar, { '/etc/neursafe-fl/ssl': ssl }).replace(/sleep 5$/m, 'sleep 0.3');
    const pod2 = `${dir}/nginx & sleep 0.2; exec sh -c '${script.replace(/'/g, `'\\''`)}'`;
    const run = spawn('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', pod2], { detached: true });
    let log = '';
    run.stdout.on('data', (d) => (log += d));
    run.stderr.on('data', (d) => (log += d));
    const hups = () => (fs.existsSync(path.join(dir, 'hups')) ? fs.readFileSync(path.join(dir, 'hups'), 'utf8').split('\n').filter(Boolean).length : 0);
    const reloads = () => log.split('\n').filter((l) => /^nginx \(pid \d+\) reloaded its certificate$/.test(l)).length;
    try {
      // Once after it starts (a renewal may have come while it was down), then not while nothing changes.
      await until(() => reloads() === 1);
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect({ hups: hups(), reloads: reloads() }).toEqual({ hups: 1, reloads: 1 });
      // A renewal: one SIGHUP to the master (the workers are left alone), confirmed by the new worker.
      fs.writeFileSync(path.join(ssl, 'cert.pem'), 'renewed');
      await until(() => reloads() === 2);
      expect({ hups: hups(), reloads: reloads() }).toEqual({ hups: 2, reloads: 2 });
      // A certificate nginx refuses (no new worker): said so, and tried again until it loads.
      fs.writeFileSync(path.join(dir, 'fail'), '');
      fs.writeFileSync(path.join(ssl, 'private.key'), 'not the certificate\'s key');
      await until(() => hups() >= 4);
      expect(log).toContain('kept its old certificate');
      expect(reloads()).toBe(2);
      fs.rmSync(path.join(dir, 'fail'));
      await until(() => reloads() === 3);
      expect(reloads()).toBe(3);
    } finally {
      process.kill(-run.pid!, 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the job scheduler's sidecar republishes a renewed coordinator certificate, private to root, as a whole new version", async () => {
    const pod = out.get('Deployment', 'nsfl-job-scheduler', ns).spec.template.spec;
    const sidecar = pod.containers.find((c: any) => c.name === 'republish-coordinator-certificates');
    // The init container runs the same publishing before the job scheduler starts.
    const init = pod.initContainers.find((c: any) => c.name === 'publish-coordinator-certificates');
    expect(sidecar.command[2]).toContain(init.command[2].split('\npublish')[0].replace('set -eu\n', ''));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-publish-'));
    const source = path.join(dir, 'source');
    fs.mkdirSync(path.join(source, 'default'), { recursive: true });
    for (const f of SSL_ITEMS) fs.writeFileSync(path.join(source, 'default', f.path), `${f.path} v1`);
    const moves = { '/etc/neursafe-fl/coordinator-tls': source, '/workspace': path.join(dir, 'root') };
    const run = spawn('sh', ['-c', localScript(sidecar, moves)], { detached: true });
    const published = (f: string) => path.join(dir, 'root', 'default', '.nsfl-tls', f);
    try {
      await until(() => fs.existsSync(published('trusted.pem')));
      for (const f of SSL_ITEMS) expect(fs.readFileSync(published(f.path), 'utf8')).toBe(`${f.path} v1`);
      expect(fs.statSync(published('private.key')).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(published('x'))).mode & 0o777).toBe(0o700);
      const version = fs.readlinkSync(published('..data'));
      fs.writeFileSync(path.join(source, 'default', 'cert.pem'), 'cert.pem v2');
      await until(() => fs.readFileSync(published('cert.pem'), 'utf8') === 'cert.pem v2');
      // Renewed: later jobs' coordinators get the new certificate, in a version folder of its own with the other files beside it.
      expect(fs.readlinkSync(published('..data'))).not.toBe(version);
      expect(fs.readFileSync(published('trusted.pem'), 'utf8')).toBe('trusted.pem v1');
      expect(fs.statSync(published('private.key')).mode & 0o777).toBe(0o600);
    } finally {
      process.kill(-run.pid!, 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
