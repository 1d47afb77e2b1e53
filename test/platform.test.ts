/**
 * What each program needs from its manifests (docs/platform.md), asserted on the
 * synthesized output of the bundled config.
 */
import { parse } from 'yaml';
import { defaultPullPolicy } from '../lib/images';
import { containers, envOf, hostPathAt, plainEnv, synth, Synthesized, withOverrides } from './support/platform';
import { COMPONENT_NAMES } from '../lib/registry';

const out = synth();
const ns = 'neursafe-fl';
const deployment = (name: string) => out.get('Deployment', name, ns);
const container = (deploy: string, name: string) => containers(deployment(deploy)).find((c) => c.name === name);

/** `name.ns.svc:port` or `name.ns.svc.cluster.local:port` → the Service port it names, or undefined. */
function servicePortOf(address: string): { service: any; port: number } | undefined {
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?:(\d+)$/.exec(address);
  if (!m) return undefined;
  const service = out.all('Service').find((s) => s.metadata.name === m[1] && s.metadata.namespace === m[2]);
  if (!service) return undefined;
  const port = Number(m[3]);
  return service.spec.ports.some((p: any) => p.port === port) ? { service, port } : undefined;
}

/** The pods a Service selects (Deployments and StatefulSets whose template labels match). */
function selectedWorkloads(service: any): any[] {
  const sel = service.spec.selector ?? {};
  return [...out.all('Deployment'), ...out.all('StatefulSet')].filter(
    (w) => w.metadata.namespace === service.metadata.namespace && Object.entries(sel).every(([k, v]) => w.spec.template.metadata.labels[k] === v),
  );
}

test('every in-cluster host:port given to a program names a port of a Service in the output', () => {
  const checked: string[] = [];
  for (const w of [...out.all('Deployment'), ...out.all('StatefulSet')]) {
    for (const c of containers(w)) {
      for (const e of c.env ?? []) {
        if (typeof e.value === 'string' && /\.svc(\.cluster\.local)?:\d+$/.test(e.value)) {
          checked.push(`${w.metadata.name}/${c.name}/${e.name}`);
          expect({ where: checked.at(-1), value: e.value, ok: servicePortOf(e.value) !== undefined }).toEqual({ where: checked.at(-1), value: e.value, ok: true });
        }
      }
    }
  }
  for (const cm of out.all('ConfigMap')) {
    for (const text of Object.values<string>(cm.data ?? {})) {
      for (const m of text.matchAll(/[a-z0-9-]+\.[a-z0-9-]+\.svc(?:\.cluster\.local)?:\d+/g)) {
        checked.push(`${cm.metadata.name}: ${m[0]}`);
        expect({ where: cm.metadata.name, value: m[0], ok: servicePortOf(m[0]) !== undefined }).toEqual({ where: cm.metadata.name, value: m[0], ok: true });
      }
    }
  }
  expect(checked.length).toBeGreaterThanOrEqual(10);
});

describe('job scheduler', () => {
  const c = container('nsfl-job-scheduler', 'job-scheduler');
  const required = [
    'DB_ADDRESS', 'DB_USERNAME', 'DB_PASSWORD', 'DB_TYPE', 'DB_NAME', 'DB_COLLECTION_NAME', 'HTTP_PORT', 'SELECTOR_ADDRESS',
    'JOB_SCHEDULER_ADDRESS', 'MODEL_MANAGER_ADDRESS', 'SOURCE_MOUNT_PATH', 'TEMP_DIR', 'COORDINATOR_IMAGE', 'PROXY_ADDRESS',
    'K8S_ADDRESS', 'TOKEN', 'WORKSPACE',
  ];
  test.each(required)('gets %s', (name) => expect(envOf(c, name)).toBeDefined());

  test('its table, its own address and the constants it must not be given', () => {
    expect(envOf(c, 'DB_COLLECTION_NAME')).toBe('jobs');
    expect(envOf(c, 'DB_TYPE')).toBe('postgreSQL');
    expect(envOf(c, 'COORDINATOR_PORT')).toBeUndefined();
    expect(envOf(c, 'COORDINATOR_WORKSPACE_PATH')).toBeUndefined();
    expect(envOf(c, 'COORDINATOR_IMAGE')).toBe('docker.io/neursafe/nsfl-coordinator:0.1.0');
  });

  test('addresses handed to coordinators in `default` are namespace-qualified Service ports; PROXY_ADDRESS is the HTTP port', () => {
    for (const name of ['JOB_SCHEDULER_ADDRESS', 'SELECTOR_ADDRESS', 'MODEL_MANAGER_ADDRESS', 'PROXY_ADDRESS', 'DB_ADDRESS']) {
      expect({ name, resolved: servicePortOf(envOf(c, name)) !== undefined }).toEqual({ name, resolved: true });
    }
    const proxy = servicePortOf(envOf(c, 'PROXY_ADDRESS'))!;
    expect(proxy.service.spec.ports.find((p: any) => p.port === proxy.port).name).toBe('http');
    expect(servicePortOf(envOf(c, 'JOB_SCHEDULER_ADDRESS'))!.port).toBe(Number(envOf(c, 'HTTP_PORT')));
  });

  test('resolves bare coordinator names in `default`', () => {
    expect(deployment('nsfl-job-scheduler').spec.template.spec.dnsConfig.searches).toEqual(['default.svc.cluster.local']);
  });

  test('the shared root: hostPath of type Directory, SOURCE_MOUNT_PATH equal to it, folders created before start', () => {
    const spec = deployment('nsfl-job-scheduler').spec.template.spec;
    const root = spec.volumes.find((v: any) => v.name === 'shared-root');
    expect(root.hostPath).toEqual({ path: '/mnt/neursafe_fl', type: 'Directory' });
    expect(envOf(c, 'SOURCE_MOUNT_PATH')).toBe(root.hostPath.path);
    expect(c.volumeMounts).toContainEqual({ name: 'shared-root', mountPath: envOf(c, 'WORKSPACE') });
    const prepare = spec.initContainers.find((i: any) => i.name === 'prepare-shared-root');
    expect(prepare.command.join(' ')).toContain('mkdir -p /workspace/coordinator_configs /workspace/models /workspace/default');
    expect(envOf(c, 'TEMP_DIR')).toBe('coordinator_configs');
  });

  test('waits for the database before it starts', () => {
    const waits = deployment('nsfl-job-scheduler').spec.template.spec.initContainers.map((i: any) => i.name);
    expect(waits).toContain('wait-for-database');
  });
});

describe('Kubernetes API access', () => {
  test.each([
    ['nsfl-job-scheduler', 'job-scheduler'],
    ['nsfl-task-manager', 'task-manager'],
  ])('%s talks plain HTTP to a kubectl proxy sidecar on 127.0.0.1 under its own ServiceAccount', (deploy, program) => {
    const spec = deployment(deploy).spec.template.spec;
    const c = container(deploy, program);
    expect(envOf(c, 'K8S_ADDRESS')).toBe('127.0.0.1:8001');
    expect(envOf(c, 'K8S_API_PROTOCOL')).toBe('http');
    expect(envOf(c, 'K8S_API_TOKEN')).toBeUndefined();
    const sidecar = spec.containers[0];
    expect(sidecar.name).toBe('api-proxy');
    expect(sidecar.command).toEqual(['kubectl', 'proxy', '--address=127.0.0.1', '--port=8001']);
    expect(spec.serviceAccountName).toBe(deploy);
    expect(spec.automountServiceAccountToken).toBe(true);
    expect(out.get('ServiceAccount', deploy, ns)).toBeDefined();
  });

  test('the job scheduler may create, get and delete Pods and Services in `default`, and nothing else', () => {
    const binding = out.get('RoleBinding', 'nsfl-job-scheduler', 'default');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'nsfl-job-scheduler', namespace: ns }]);
    const role = out.get('Role', binding.roleRef.name, 'default');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['create', 'get', 'delete'] }]);
    expect(out.all('ClusterRoleBinding').filter((b) => b.subjects.some((s: any) => s.name === 'nsfl-job-scheduler'))).toEqual([]);
  });

  test('task managers may also get, list and watch Nodes', () => {
    const binding = out.get('ClusterRoleBinding', 'nsfl-task-manager');
    const role = out.get('ClusterRole', binding.roleRef.name);
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }]);
    const rb = out.get('RoleBinding', 'nsfl-task-manager', 'default');
    expect(out.get('Role', rb.roleRef.name, 'default').rules).toEqual([
      { apiGroups: [''], resources: ['pods', 'services'], verbs: ['create', 'get', 'delete'] },
    ]);
  });

  test('no RBAC rule anywhere uses a wildcard', () => {
    for (const role of [...out.all('Role'), ...out.all('ClusterRole')]) {
      for (const rule of role.rules) {
        expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
      }
    }
  });

  test('pods that do not call the API mount no token', () => {
    const callers = new Set(['nsfl-job-scheduler', 'nsfl-task-manager']);
    for (const w of [...out.all('Deployment'), ...out.all('StatefulSet')]) {
      if (callers.has(w.metadata.name)) continue;
      expect({ name: w.metadata.name, automount: w.spec.template.spec.automountServiceAccountToken }).toEqual({ name: w.metadata.name, automount: false });
    }
    // ServiceAccounts never mount by default: the pods that call the API opt in.
    for (const sa of out.all('ServiceAccount')) expect(sa.automountServiceAccountToken).toBe(false);
  });
});

describe('model manager', () => {
  const c = container('nsfl-model-manager', 'model-manager');
  test('gets its port, table, storage and workspace', () => {
    expect(plainEnv(c)).toMatchObject({
      PORT: '50057',
      DB_COLLECTION_NAME: 'models',
      DB_TYPE: 'postgreSQL',
      STORAGE_TYPE: 'posix',
      MODELS_DIR: 'models',
      WORKSPACE: '/workspace',
    });
  });

  test('s3 storage takes the endpoint and keys from a Secret by reference', () => {
    const s3 = synth(withOverrides({ modelStorage: { type: 's3', s3: { endpoint: 'http://minio.example.com:9000', credentials: { name: 'model-s3' } } } }));
    const mm = containers(s3.get('Deployment', 'nsfl-model-manager')).find((x) => x.name === 'model-manager');
    // boto3's endpoint_url: the scheme is required.
    expect(envOf(mm, 'STORAGE_ENDPOINT')).toBe('http://minio.example.com:9000');
    expect(envOf(mm, 'ACCESS_KEY')).toEqual({ secretKeyRef: { name: 'model-s3', key: 'accessKey' } });
    expect(envOf(mm, 'SECRET_KEY')).toEqual({ secretKeyRef: { name: 'model-s3', key: 'secretKey' } });
  });
});

describe('client selector', () => {
  test('runs with --config_file (not --configure_file) and a JSON file whose flags are strings', () => {
    const c = container('nsfl-client-selector', 'client-selector');
    expect(c.command).toEqual(['python3.7', '-m', 'neursafe_fl.python.selector.app', '--config_file', '/etc/nsfl/selector.json', '--log_level', 'INFO']);
    const file = JSON.parse(out.get('ConfigMap', 'nsfl-client-selector', ns).data['selector.json']);
    expect(file).toEqual({ port: 50055, auth_client: 'false', optimal_select: 'false' });
    expect(c.ports).toEqual([{ name: 'grpc', containerPort: file.port, protocol: 'TCP' }]);
    expect(envOf(c, 'SINGLE_HEART')).toBe('300');
    expect(envOf(c, 'CLUSTER_HEART')).toBe('600');
  });
});

describe('proxy', () => {
  const spec = deployment('nsfl-proxy').spec.template.spec;
  const c = container('nsfl-proxy', 'proxy');
  const conf = out.get('ConfigMap', 'nsfl-proxy', ns).data['nginx.conf'];

  test('gets TOKEN from the same Secret as the job scheduler, declares it, and is not given JOB_SCHEDULER_ADDRESS', () => {
    expect(envOf(c, 'TOKEN')).toEqual(envOf(container('nsfl-job-scheduler', 'job-scheduler'), 'TOKEN'));
    expect(envOf(c, 'TOKEN').secretKeyRef).toBeDefined();
    expect(conf).toMatch(/^env TOKEN;$/m);
    expect(envOf(c, 'JOB_SCHEDULER_ADDRESS')).toBeUndefined();
    expect(conf).not.toContain('JOB_SCHEDULER_ADDRESS');
  });

  test('its resolv.conf starts with the cluster DNS and has no search list', () => {
    expect(spec.dnsPolicy).toBe('None');
    expect(spec.dnsConfig).toEqual({ nameservers: ['10.96.0.10'] });
  });

  test('keeps the image command and working directory; mounts only nginx.conf', () => {
    expect(c.command).toBeUndefined();
    expect(c.workingDir).toBeUndefined();
    expect(c.securityContext.runAsNonRoot).toBe(false);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(false);
    // nginx.conf over the image's, and the ssl folder (TLS is on by default).
    expect(c.volumeMounts).toEqual([
      { name: 'config', mountPath: '/nginx/conf/nginx.conf', subPath: 'nginx.conf' },
      { name: 'ssl', mountPath: '/etc/neursafe-fl/ssl' },
    ]);
  });

  test('the selector upstream is a fully qualified Service port; the listen ports are the Service ports', () => {
    const upstream = /upstream selector \{\s*server ([^;]+);/.exec(conf)![1];
    expect(upstream).toMatch(/\.svc\.cluster\.local:\d+$/);
    expect(servicePortOf(upstream)?.service.metadata.name).toBe('nsfl-client-selector');
    const svc = out.get('Service', 'nsfl-proxy', ns);
    const grpc = svc.spec.ports.find((p: any) => p.name === 'grpc').port;
    const http = svc.spec.ports.find((p: any) => p.name === 'http').port;
    // TLS is on by default: the gRPC port is the stream server that ends mutual TLS.
    expect(conf).toMatch(new RegExp(`stream \\{[\\s\\S]*listen ${grpc} ssl;[\\s\\S]*\\n\\}\\n\\nhttp \\{`));
    expect(conf).toMatch(new RegExp(`listen ${http};`));
    expect(spec.initContainers.map((i: any) => i.name)).toContain('wait-for-client-selector');
  });

  test('only the gRPC port leaves the cluster', () => {
    const ext = out.get('Service', 'nsfl-proxy-external', ns);
    expect(ext.spec.type).toBe('NodePort');
    expect(ext.spec.ports).toEqual([{ name: 'grpc', port: 30091, targetPort: 'grpc', protocol: 'TCP', nodePort: 30091 }]);
    expect(out.get('Service', 'nsfl-proxy', ns).spec.type).toBe('ClusterIP');
  });

  test('LoadBalancer and external IPs exposure', () => {
    const lb = synth(withOverrides({ proxy: { expose: { type: 'LoadBalancer' } } })).get('Service', 'nsfl-proxy-external', ns);
    expect(lb.spec.type).toBe('LoadBalancer');
    expect(lb.spec.ports[0].nodePort).toBeUndefined();
    const ips = synth(withOverrides({ proxy: { expose: { type: 'ExternalIPs', externalIPs: ['198.51.100.7'] } } })).get('Service', 'nsfl-proxy-external', ns);
    expect(ips.spec).toMatchObject({ type: 'ClusterIP', externalIPs: ['198.51.100.7'] });
  });
});

describe('API gateway', () => {
  const route = out.get('HTTPRoute', 'nsfl-api-gateway', ns);
  /** The CLI's calls, and the backend that serves each (none for the coordinators' heartbeat). */
  const calls: [string, string | undefined][] = [
    ['/api/v1/namespaces/default/jobs', 'nsfl-job-scheduler'],
    ['/api/v1/namespaces/default/jobs/job-1', 'nsfl-job-scheduler'],
    ['/api/v1/namespaces/default/jobs/job-1:start', 'nsfl-job-scheduler'],
    ['/api/v1/namespaces/default/jobs/job-1:stop', 'nsfl-job-scheduler'],
    ['/api/v1/health', 'nsfl-job-scheduler'],
    ['/api/v1/namespaces/default/models', 'nsfl-model-manager'],
    ['/api/v1/namespaces/default/models/model-1', 'nsfl-model-manager'],
    ['/api/v1/models', 'nsfl-model-manager'],
    ['/api/v1/heartbeat', undefined],
  ];
  /** The backend a path reaches, matching regular expressions on the whole path (Envoy) or as a prefix (nginx). */
  const backendOf = (path: string, semantics: 'whole' | 'prefix'): string | undefined =>
    route.spec.rules.find((rule: any) =>
      rule.matches.some((m: any) =>
        m.path.type === 'Exact' ? m.path.value === path : new RegExp(`^(?:${m.path.value})${semantics === 'whole' ? '$' : ''}`).test(path),
      ),
    )?.backendRefs[0].name;

  test('by default an HTTPRoute on the configured Gateway routes every CLI call to its program, and never the heartbeat', () => {
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gateway', namespace: ns }]);
    for (const semantics of ['whole', 'prefix'] as const) {
      expect(calls.map(([path]) => [path, backendOf(path, semantics)])).toEqual(calls);
    }
    for (const rule of route.spec.rules) {
      const ref = rule.backendRefs[0];
      expect(servicePortOf(`${ref.name}.${ns}.svc:${ref.port}`)).toBeDefined();
    }
    expect(out.all('Ingress')).toEqual([]);
  });

  test('the Gateway, its namespace and listener, and the host are config', () => {
    const custom = synth(withOverrides({ apiGateway: { hostnames: ['fl.example.com'], gateway: { name: 'public', namespace: 'gateways', sectionName: 'http' } } }));
    const r = custom.get('HTTPRoute', 'nsfl-api-gateway', ns);
    expect(r.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateways', sectionName: 'http' }]);
    expect(r.spec.hostnames).toEqual(['fl.example.com']);
  });

  test('an Ingress stays an option; ingress-nginx annotations only for the class nginx', () => {
    const nginx = synth(withOverrides({ apiGateway: { type: 'ingress', dataPlane: { namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } } })).get('Ingress',
      'nsfl-api-gateway', ns);
    expect(nginx.metadata.annotations).toEqual({
      'nginx.ingress.kubernetes.io/use-regex': 'true',
      'nginx.ingress.kubernetes.io/ssl-redirect': 'false',
      'nginx.ingress.kubernetes.io/proxy-body-size': '1000M',
    });
    expect(nginx.spec.ingressClassName).toBe('nginx');
    const paths = nginx.spec.rules[0].http.paths;
    // ingress-nginx matches regex paths as prefixes.
    for (const [path, backend] of calls) {
      const hit = paths.find((p: any) => new RegExp(`^(?:${p.path})`).test(path));
      expect([path, hit?.backend.service.name]).toEqual([path, backend]);
    }
    expect(paths.every((p: any) => p.pathType === 'ImplementationSpecific')).toBe(true);
    const traefik = synth(withOverrides({ apiGateway: { type: 'ingress', ingressClassName: 'traefik', dataPlane: { namespace: 'traefik' } } })).get('Ingress', 'nsfl-api-gateway', ns);
    expect(traefik.metadata.annotations).toBeUndefined();
    expect(traefik.spec.ingressClassName).toBe('traefik');
  });
});

describe('cloud task manager', () => {
  const c = container('nsfl-task-manager', 'task-manager');
  const setup = JSON.parse(out.get('ConfigMap', 'nsfl-task-manager', ns).data['task_manager_setup.json']);

  test('PLATFORM=k8s, an executor image, its table and its cluster label', () => {
    expect(plainEnv(c)).toMatchObject({
      PLATFORM: 'k8s',
      CONTAINER_EXECUTOR_IMAGE: 'docker.io/neursafe/nsfl-client-cpu:0.1.0',
      DB_COLLECTION_NAME: 'tasks',
      DB_TYPE: 'postgreSQL',
      DB_NAME: 'neursafe_fl',
      CLUSTER_LABEL_KEY: 'kubernetes.io/cluster_id',
      CLUSTER_LABEL_VALUE: 'nsfl-cloud',
      WORKER_PORT: '8050',
    });
  });

  test('task_manager_setup.json has every required key with the types the program expects', () => {
    expect(setup).toMatchObject({ platform: 'k8s', registration: 'true', runtime: 'tensorflow,pytorch', host: '0.0.0.0' });
    expect(typeof setup.port).toBe('number');
    expect(typeof setup.storage_quota).toBe('number');
    expect(setup.storage_quota).toBeGreaterThan(0);
    for (const key of ['server', 'lmdb_path', 'workspace', 'task_config_entry', 'datasets', 'external_address']) expect(typeof setup[key]).toBe('string');
    expect(c.command).toEqual(['python3.7', '-m', 'neursafe_fl.python.client.app', '--config_file', '/etc/neursafe-fl/task_manager_setup.json']);
  });

  test('server is the proxy gRPC port (through the TLS tunnel); external_address is its own Service port, reachable from `default`', () => {
    // With TLS (the default) the program's `server` is its tunnel on loopback, and the tunnel goes to the proxy.
    expect(setup.server).toBe('127.0.0.1:21091');
    const tunnel: string = out.get('ConfigMap', 'nsfl-task-manager', ns).data['tls-tunnel.conf'];
    const server = servicePortOf(/proxy_pass (\S+);/.exec(tunnel)![1])!;
    expect(server.service.metadata.name).toBe('nsfl-proxy');
    expect(server.service.spec.ports.find((p: any) => p.port === server.port).name).toBe('grpc');
    const self = servicePortOf(setup.external_address)!;
    expect(self.service.metadata.name).toBe('nsfl-task-manager');
    expect(self.port).toBe(setup.port);
    expect(selectedWorkloads(self.service).map((w) => w.metadata.name)).toEqual(['nsfl-task-manager']);
  });

  test('every site folder is mounted at its own host path, and the datasets file lives in the datasets folder', () => {
    const spec = deployment('nsfl-task-manager').spec.template.spec;
    for (const p of [setup.lmdb_path, setup.workspace, setup.task_config_entry, setup.datasets.replace(/\/datasets\.json$/, '')]) {
      expect({ p, host: hostPathAt(spec, c, p) }).toEqual({ p, host: p });
    }
    expect(c.volumeMounts.find((m: any) => m.mountPath === '/tmp')).toBeDefined();
    const prepare = spec.initContainers.find((i: any) => i.name === 'prepare-site');
    expect(prepare.command.join(' ')).toContain(setup.datasets);
  });

  test('waits for the database, the selector and the proxy before it registers', () => {
    const names = deployment('nsfl-task-manager').spec.template.spec.initContainers.map((i: any) => i.name);
    expect(names).toEqual(expect.arrayContaining(['wait-for-database', 'wait-for-client-selector', 'wait-for-proxy']));
  });

  test('runs on a cloud node labelled for its site, where the site folders are', () => {
    const terms = deployment('nsfl-task-manager').spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms).toEqual([
      {
        matchExpressions: [
          { key: 'node-role.kubernetes.io/edge', operator: 'DoesNotExist' },
          { key: 'kubernetes.io/cluster_id', operator: 'In', values: ['nsfl-cloud'] },
        ],
      },
    ]);
  });

  test('can be turned off', () => {
    const off = synth(withOverrides({ taskManager: { enabled: false } }));
    expect(off.all('Deployment').map((d) => d.metadata.name)).not.toContain('nsfl-task-manager');
  });
});

describe('database', () => {
  test('embedded PostgreSQL: StatefulSet with a volume, a Service, the three tables, credentials only by reference', () => {
    const sts = out.get('StatefulSet', 'nsfl-database', ns);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    const pg = sts.spec.template.spec.containers[0];
    expect(envOf(pg, 'POSTGRES_PASSWORD')).toEqual({ secretKeyRef: { name: 'nsfl-database', key: 'password' } });
    const sql = out.get('ConfigMap', 'nsfl-database-setup', ns).data['setup.sql'];
    for (const t of ['jobs', 'models', 'tasks']) expect(sql).toContain(`CREATE TABLE IF NOT EXISTS ${t} (id serial PRIMARY KEY, data jsonb);`);
    expect(servicePortOf(envOf(container('nsfl-job-scheduler', 'job-scheduler'), 'DB_ADDRESS'))?.service.metadata.name).toBe('nsfl-database');
  });

  test('no Secret value is written: generated Secrets are created in the cluster by a Job', () => {
    for (const { obj } of out.objects) {
      if (obj.kind === 'Secret') {
        expect(obj.type).toBe('kubernetes.io/service-account-token');
        expect(obj.data).toBeUndefined();
        expect(obj.stringData).toBeUndefined();
      }
    }
    const job = out.get('Job', 'nsfl-generate-secrets', ns);
    const script = job.spec.template.spec.containers[0].command[2];
    for (const s of ['nsfl-route-token', 'nsfl-database', 'nsfl-object-storage']) expect(script).toContain(`if exists ${s}; then`);
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
    const role = out.get('Role', 'nsfl-generate-secrets', ns);
    expect(role.rules[1]).toEqual({
      apiGroups: [''],
      resources: ['secrets'],
      resourceNames: ['nsfl-route-token', 'nsfl-database', 'nsfl-db-job-scheduler', 'nsfl-db-model-manager', 'nsfl-db-task-manager', 'nsfl-db-edge-task-manager', 'nsfl-object-storage'],
      verbs: ['get'],
    });
  });

  test('an external PostgreSQL by address and Secret reference: no embedded database, no generated DB secret', () => {
    const ext = synth(withOverrides({ database: { type: 'postgreSQL', embedded: null, external: { address: 'pg.example.com:5432', credentials: { name: 'fl-db' } } },
      edge: { databaseAddress: 'pg.example.com:5432' } }));
    expect(ext.all('StatefulSet')).toEqual([]);
    const js = containers(ext.get('Deployment', 'nsfl-job-scheduler')).find((x) => x.name === 'job-scheduler');
    expect(envOf(js, 'DB_ADDRESS')).toBe('pg.example.com:5432');
    expect(envOf(js, 'DB_PASSWORD')).toEqual({ secretKeyRef: { name: 'fl-db', key: 'password' } });
    expect(ext.get('Job', 'nsfl-generate-secrets').spec.template.spec.containers[0].command[2]).not.toContain('nsfl-database');
  });

  test('MongoDB passes its URI through and the programs still wait for its host', () => {
    const mongo = synth(withOverrides({ database: { type: 'mongo', external: { address: 'mongodb://db.example.com:27017/neursafe_fl', credentials: { name: 'fl-db' } } },
      edge: { databaseAddress: 'mongodb://db.example.com:27017/neursafe_fl' } }));
    const mm = containers(mongo.get('Deployment', 'nsfl-model-manager'));
    expect(envOf(mm.find((x) => x.name === 'model-manager'), 'DB_TYPE')).toBe('mongo');
    expect(mm.find((x) => x.name === 'wait-for-database').command[2]).toContain('db.example.com 27017');
  });
});

describe('data entry (S3 endpoint on the shared root)', () => {
  test('embedded MinIO serves the shared root itself, so buckets are its folders', () => {
    const d = deployment('nsfl-object-storage').spec.template.spec;
    expect(d.volumes).toContainEqual({ name: 'shared-root', hostPath: { path: '/mnt/neursafe_fl', type: 'Directory' } });
    expect(d.containers[0].args.slice(0, 2)).toEqual(['server', d.containers[0].volumeMounts[0].mountPath]);
    expect(out.get('Service', 'nsfl-object-storage', ns).spec).toMatchObject({ type: 'NodePort', ports: [expect.objectContaining({ nodePort: 30900 })] });
  });
});

test('the endpoints users point the CLI at are published in one ConfigMap, the external S3 endpoint included', () => {
  expect(out.get('ConfigMap', 'nsfl-endpoints', ns).data).toEqual({
    // The CLI adds http:// to --api-server itself, and hands --data-server to boto3, which needs the scheme.
    'api-server': '<gateway address>',
    'data-server': 'http://<any cloud node address>:30900',
    'proxy-grpc': '203.0.113.10:30091',
  });
  const ext = synth(withOverrides({ objectStorage: { type: 'external', external: { endpoint: 'https://s3.example.com', deniesCoordinatorFolder: true } } }));
  expect(ext.get('ConfigMap', 'nsfl-endpoints', ns).data['data-server']).toBe('https://s3.example.com');
  expect(ext.all('Deployment').map((d) => d.metadata.name)).not.toContain('nsfl-object-storage');
});

describe('every workload', () => {
  const workloads = [...out.all('Deployment'), ...out.all('StatefulSet'), ...out.all('Job')];
  const allContainers = workloads.flatMap((w) => containers(w).map((c) => ({ w, c })));

  test('Deployments are singletons with Recreate, and no pod gets Service links', () => {
    for (const d of out.all('Deployment')) {
      expect({ name: d.metadata.name, replicas: d.spec.replicas, strategy: d.spec.strategy.type }).toEqual({ name: d.metadata.name, replicas: 1, strategy: 'Recreate' });
    }
    for (const w of workloads) expect(w.spec.template.spec.enableServiceLinks).toBe(false);
  });

  test('containers are hardened: no privilege escalation, capabilities dropped, seccomp RuntimeDefault, pull policy IfNotPresent, pinned image', () => {
    for (const { w, c } of allContainers) {
      const where = `${w.metadata.name}/${c.name}`;
      expect({ where, ape: c.securityContext.allowPrivilegeEscalation }).toEqual({ where, ape: false });
      expect({ where, drop: c.securityContext.capabilities.drop }).toEqual({ where, drop: ['ALL'] });
      expect({ where, seccomp: c.securityContext.seccompProfile ?? w.spec.template.spec.securityContext?.seccompProfile }).toEqual({ where, seccomp: { type: 'RuntimeDefault' } });
      expect({ where, privileged: c.securityContext.privileged ?? false }).toEqual({ where, privileged: false });
      // Left out where it is Kubernetes' default for the image: IfNotPresent, for a tagged image.
      expect({ where, pull: c.imagePullPolicy ?? defaultPullPolicy(c.image) }).toEqual({ where, pull: 'IfNotPresent' });
      expect(c.image).toMatch(/:[\w][\w.-]*$/);
      expect(c.image).not.toMatch(/:latest$/);
      expect(c.resources.requests).toBeDefined();
      expect(c.resources.limits).toBeDefined();
    }
  });

  test('long-running containers have readiness and liveness probes, HTTP where the program has a health endpoint', () => {
    const http = new Set(['job-scheduler', 'model-manager', 'proxy']);
    for (const w of [...out.all('Deployment'), ...out.all('StatefulSet')]) {
      for (const c of w.spec.template.spec.containers) {
        if (c.name === 'api-proxy') continue; // loopback-only sidecar: exec liveness only
        // Loopback-only, and a probe through it would open a TLS connection to the proxy each time (10,000 nodes: 300/s); nginx exits when it fails.
        if (c.name === 'tls-tunnel') continue;
        // Loops that load renewed certificates and serve nothing: no probe has anything to ask.
        if (c.name === 'tls-reload' || c.name === 'republish-coordinator-certificates') continue;
        expect({ c: c.name, r: !!c.readinessProbe, l: !!c.livenessProbe }).toEqual({ c: c.name, r: true, l: true });
        if (http.has(c.name)) expect(c.readinessProbe.httpGet.path).toBe('/api/v1/health');
      }
    }
    expect(container('nsfl-client-selector', 'client-selector').readinessProbe.tcpSocket).toBeDefined();
  });

  test('config files roll their pods: the checksum changes with the file', () => {
    const before = deployment('nsfl-proxy').spec.template.metadata.annotations['checksum/config'];
    const after = synth(withOverrides({ proxy: { clientMaxBodySize: '2000M' } })).get('Deployment', 'nsfl-proxy').spec.template.metadata.annotations['checksum/config'];
    expect(after).not.toBe(before);
    // A program without config files has no checksum to roll on.
    expect(deployment('nsfl-job-scheduler').spec.template.metadata.annotations['checksum/config']).toBeUndefined();
  });

  test('with sidecars, `kubectl logs` and `exec` pick the program, not a sidecar', () => {
    for (const [name, main] of [['nsfl-proxy', 'proxy'], ['nsfl-job-scheduler', 'job-scheduler'], ['nsfl-task-manager', 'task-manager']]) {
      const template = deployment(name).spec.template;
      expect(template.spec.containers.length).toBeGreaterThan(1);
      expect(template.metadata.annotations['kubectl.kubernetes.io/default-container']).toBe(main);
      expect(template.spec.containers.map((c: any) => c.name)).toContain(main);
    }
    // A pod with one container needs no choice.
    expect(deployment('nsfl-model-manager').spec.template.metadata.annotations).toBeUndefined();
  });

  test('imagePullSecrets and per-component images come from config', () => {
    const custom = synth(withOverrides({ images: { registry: 'registry.example.com/fl', tag: '1.2.3', pullSecrets: ['regcred'], pullPolicy: 'Always' },
      proxy: { image: 'registry.example.com/fl/proxy:9' } }));
    const js = custom.get('Deployment', 'nsfl-job-scheduler').spec.template.spec;
    expect(js.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(js.containers.find((c: any) => c.name === 'job-scheduler')).toMatchObject({ image: 'registry.example.com/fl/nsfl-job-scheduler:1.2.3', imagePullPolicy: 'Always' });
    expect(custom.get('Deployment', 'nsfl-proxy').spec.template.spec.containers.find((c: any) => c.name === 'proxy').image).toBe('registry.example.com/fl/proxy:9');
  });

  test('images.pullPolicy is what every container gets: written wherever Kubernetes would give the image another', () => {
    const workloads = (o: Synthesized) => [...o.all('Deployment'), ...o.all('StatefulSet'), ...o.all('Job'), ...o.all('CronJob').map((c) => c.spec.jobTemplate)];
    const effective = (o: Synthesized) => new Set(workloads(o).flatMap((w) => containers(w).map((c) => c.imagePullPolicy ?? defaultPullPolicy(c.image))));
    expect(effective(synth(withOverrides({ images: { pullPolicy: 'Always' } })))).toEqual(new Set(['Always']));
    // A :latest tag would be pulled on every start by default (an offline edge node could not start): the policy is written.
    const latest = synth(withOverrides({ images: { tag: 'latest', allowLatest: true } }));
    expect(effective(latest)).toEqual(new Set(['IfNotPresent']));
    const scheduler = latest.get('Deployment', 'nsfl-job-scheduler').spec.template.spec.containers.find((c: any) => c.name === 'job-scheduler');
    expect(scheduler).toMatchObject({ image: expect.stringMatching(/:latest$/), imagePullPolicy: 'IfNotPresent' });
  });
});

describe('names, labels and namespaces', () => {
  const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);

  test('every namespaced object names its namespace; cluster-scoped ones have none', () => {
    for (const { obj } of out.objects) {
      const where = `${obj.kind}/${obj.metadata.name}`;
      if (clusterScoped.has(obj.kind)) expect({ where, ns: obj.metadata.namespace }).toEqual({ where, ns: undefined });
      else expect({ where, ns: typeof obj.metadata.namespace }).toEqual({ where, ns: 'string' });
    }
  });

  test('recommended labels with exactly the listed component values; selectors only on labels that never change', () => {
    const components = new Set<string>(COMPONENT_NAMES);
    for (const { obj } of out.objects) {
      if (obj.kind === 'Namespace') continue;
      const l = obj.metadata.labels;
      expect(components.has(l['app.kubernetes.io/component'])).toBe(true);
      for (const k of ['name', 'instance', 'part-of', 'managed-by', 'version']) expect(l[`app.kubernetes.io/${k}`]).toBeDefined();
    }
    for (const w of [...out.all('Deployment'), ...out.all('StatefulSet')]) {
      const sel = w.spec.selector.matchLabels;
      expect(Object.keys(sel).sort()).toEqual(expect.arrayContaining(['app.kubernetes.io/component', 'app.kubernetes.io/instance', 'app.kubernetes.io/name']));
      expect(sel['app.kubernetes.io/version']).toBeUndefined();
      expect(Object.keys(sel).some((k) => k.startsWith('cdk8s.io'))).toBe(false);
    }
  });

  test('names carry no hash suffixes and are stable', () => {
    const names = out.objects.map(({ obj }) => `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).not.toMatch(/-[0-9a-f]{8}$/);
    expect(names).toEqual(expect.arrayContaining(['Deployment/neursafe-fl/nsfl-job-scheduler', 'Service/neursafe-fl/nsfl-client-selector', 'Deployment/neursafe-fl/nsfl-edge-edge-node-1']));
  });

  test('Services select exactly one workload and target named container ports that exist', () => {
    for (const svc of out.all('Service')) {
      const selected = selectedWorkloads(svc);
      expect({ svc: svc.metadata.name, n: selected.length }).toEqual({ svc: svc.metadata.name, n: 1 });
      const ports = selected[0].spec.template.spec.containers.flatMap((c: any) => c.ports ?? []);
      for (const p of svc.spec.ports) {
        const target = p.targetPort;
        const found = ports.find((cp: any) => (typeof target === 'string' ? cp.name === target : cp.containerPort === target));
        expect({ svc: svc.metadata.name, port: p.name, found: !!found }).toEqual({ svc: svc.metadata.name, port: p.name, found: true });
        if (found) expect(found.containerPort).toBe(p.port);
      }
    }
  });

  test('the namespace allows host paths, and a platform in `default` does not try to create it', () => {
    expect(out.get('Namespace', ns).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(synth(withOverrides({ namespace: 'default' })).all('Namespace')).toEqual([]);
  });
});

describe('Argo CD', () => {
  test("an Application that syncs dist/'s top-level files (not argocd/ nor the edge fleet's shards)", () => {
    const app = out.get('Application', 'nsfl-platform', 'argocd');
    expect(app.spec.source).toMatchObject({ repoURL: 'https://git.example.com/neursafe/fl-platform.git', path: 'dist', directory: { recurse: false } });
    expect(app.spec.destination.namespace).toBe(ns);
    expect(out.objects.find((o) => o.obj.kind === 'Application')!.file).toBe('argocd/application.k8s.yaml');
  });

  test('the sync hooks have what they run under in an earlier wave, and the namespace before that', () => {
    const nsWave = Number(out.get('Namespace', ns).metadata.annotations['argocd.argoproj.io/sync-wave']);
    for (const job of out.all('Job')) {
      const wave = Number(job.metadata.annotations['argocd.argoproj.io/sync-wave']);
      const sa = out.get('ServiceAccount', job.spec.template.spec.serviceAccountName, ns);
      expect(Number(sa.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBeLessThan(wave);
      expect(nsWave).toBeLessThan(Number(sa.metadata.annotations['argocd.argoproj.io/sync-wave']));
    }
  });
});

test('the rendered YAML is plain YAML any parser reads (no anchors, tags or merge keys)', () => {
  for (const [file, text] of out.files) {
    if (file.endsWith('.md')) continue; // README.md, the picture of the platform
    expect(text).not.toMatch(/(:|-) [&*!][A-Za-z]/);
    expect(text).not.toMatch(/^\s*<<:/m);
    for (const doc of text.split(/^---$/m)) expect(() => parse(doc)).not.toThrow();
  }
});
