/**
 * The whole platform from the generated output, on one machine: database
 * (real PostgreSQL with the generated settings, the set-up Job's script),
 * client selector, proxy (generated nginx.conf, the platform's Lua, Debian's
 * nginx), job scheduler (with a Kubernetes API stand-in that starts the
 * coordinators it asks for), a cloud and an edge task manager, each with its
 * generated tls-tunnel container. Every program runs from its pod spec
 * (see cluster.ts); what is replaced is listed in test/e2e/README.md.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { Synthesized } from '../../support/platform';
import { issueCertificates, SecretStore } from './certs';
import { Cluster, ContainerOptions, Pod, Proc, q, SUBNET_PREFIX, waitFor, within } from './cluster';
import { KubernetesStandIn } from './k8s-standin';
import { configMapFileAt, container, podSpec, synthE2E } from './output';
import { generateSecrets } from './secrets';
import { PYTHON, VENDOR } from './prereq';
import { IN_POD, POD_PYTHONPATH, prepareRuntime, Runtime } from './vendor';

const PY = path.join(__dirname, 'py');
const FIXTURES = path.join(__dirname, '..', 'fixtures');

export interface PlatformOptions {
  /** Unique per test file. */
  tag: string;
  /** Replaces the proxy's generated nginx.conf (mutation checks). */
  proxyConf?: (generated: string) => string;
  /** Replaces a task manager's setup file (mutation checks); gets the already linux-mode file. */
  taskManagerSetup?: (generated: any, site: string) => any;
  /** Leave a site's tls-tunnel container out (mutation checks). */
  withoutTunnel?: boolean;
  /** Wait for the task managers to listen (default); off where a mutation makes them exit. */
  waitForTaskManagers?: boolean;
  /** Synthesized output (default: the e2e config). */
  out?: Synthesized;
  /** Secrets the config names (a remote site's external database), as the site's operator creates them: name → key → value. */
  extraSecrets?: Record<string, Record<string, string>>;
}

/** Addresses (all inside the test's namespaces). */
const IP = {
  database: `${SUBNET_PREFIX}11`,
  setup: `${SUBNET_PREFIX}12`,
  selector: `${SUBNET_PREFIX}13`,
  proxy: `${SUBNET_PREFIX}14`,
  jobScheduler: `${SUBNET_PREFIX}15`,
  taskManager: `${SUBNET_PREFIX}16`,
  tester: `${SUBNET_PREFIX}200`,
  coordinators: [50, 51, 52, 53].map((n) => `${SUBNET_PREFIX}${n}`),
};

export class Platform {
  readonly out: Synthesized;
  readonly objects: any[];
  /** The test's temp folder (made in start()). */
  dir = '';
  cluster!: Cluster;
  rt!: Runtime;
  secrets!: SecretStore;
  k8s!: KubernetesStandIn;
  readonly pods: Record<string, Pod> = {};
  readonly procs: Record<string, Proc> = {};
  tester!: Pod;
  config: any;

  constructor(readonly options: PlatformOptions) {
    this.out = options.out ?? synthE2E();
    this.objects = this.out.objects.map((o) => o.obj);
    this.config = parse(fs.readFileSync(path.join(FIXTURES, 'platform.e2e.yaml'), 'utf8'));
  }

  logs(): string {
    return this.cluster ? this.cluster.logs() : '';
  }

  /** The server's workload of a component (in the platform's namespace; not an edge node's). */
  private deployment(component: string): any {
    const d = this.objects.find((o) => ['Deployment', 'StatefulSet'].includes(o.kind) && o.metadata.labels?.['app.kubernetes.io/component'] === component &&
      o.metadata.namespace === this.config.namespace && !o.metadata.name.includes('-edge-'));
    if (!d) throw new Error(`no workload of component ${component}`);
    return d;
  }

  cloudDeployment(): any {
    return this.deployment('task-manager');
  }

  /** The task manager Deployments of the remote sites (each in its site's folder and namespace), by site name. */
  remoteDeployments(): Map<string, any> {
    const sites = new Map<string, any>();
    for (const { file, obj } of this.out.objects) {
      const m = /^sites\/([^/]+)\//.exec(file);
      if (m && obj.kind === 'Deployment' && obj.metadata.labels?.['app.kubernetes.io/component'] === 'task-manager') sites.set(m[1], obj);
    }
    return sites;
  }

  edgeDeployment(): any {
    const d = this.objects.find((o) => o.kind === 'Deployment' && o.spec.template.spec.hostNetwork && o.metadata.name.includes('-edge-'));
    if (!d) throw new Error('no edge task manager Deployment');
    return d;
  }

  /** Service names → pod addresses, for every Service whose selector picks a workload we run. */
  private routeServices(podIps: { labels: Record<string, string>; ip: string }[]): void {
    for (const svc of this.out.all('Service')) {
      const sel = svc.spec.selector ?? {};
      const target = podIps.find((p) => Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => p.labels[k] === v));
      if (!target) continue;
      const n = svc.metadata.name;
      const ns = svc.metadata.namespace;
      this.cluster.addHost(target.ip, [n, `${n}.${ns}`, `${n}.${ns}.svc`, `${n}.${ns}.svc.cluster.local`]);
    }
  }

  /** A TCP port accepts connections, as seen from `from`. */
  async tcpOpen(from: Pod, host: string, port: number): Promise<boolean> {
    const r = await this.cluster.execAsync(from, ['bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`], { timeoutMs: 3000 });
    return r.status === 0;
  }

  /** HTTP from a pod's network namespace. */
  async http(from: Pod, method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }> {
    const args = [...(body === undefined ? [''] : [JSON.stringify(body)]), ...(headers ? [JSON.stringify(headers)] : [])];
    const r = await this.cluster.execAsync(from, [PYTHON, path.join(PY, 'http_call.py'), method, url, ...args], { timeoutMs: 15000 });
    const [status, ...rest] = r.stdout.split('\n');
    const text = rest.join('\n').trim();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    if (!/^\d+$/.test(status)) throw new Error(`http_call.py ${method} ${url}: ${r.stdout}${r.stderr}`);
    return { status: Number(status), body: parsed };
  }

  /** A gRPC helper call (support/py/grpc_call.py) with the platform's stubs, from a pod's network namespace. */
  async grpc(from: Pod, args: string[]): Promise<string> {
    const env = `PYTHONPATH=${[this.rt.src, this.rt.grpclib, this.rt.shims].join(':')}`;
    const r = await this.cluster.execAsync(from, ['env', env, PYTHON, path.join(PY, 'grpc_call.py'), ...args], { timeoutMs: 20000 });
    return (r.stdout + r.stderr).trim();
  }

  /** Starts everything, in the order the generated init containers wait for. */
  async start(): Promise<void> {
    Cluster.cleanStale(this.options.tag);
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `nsfl-e2e-${this.options.tag}-`));
    fs.chmodSync(this.dir, 0o755);
    // Temp folders of an earlier, killed run of this file (its namespaces are gone now).
    for (const f of fs.readdirSync(os.tmpdir())) {
      const p = path.join(os.tmpdir(), f);
      if (f.startsWith(`nsfl-e2e-${this.options.tag}-`) && p !== this.dir) fs.rmSync(p, { recursive: true, force: true });
    }
    this.rt = prepareRuntime();
    this.secrets = issueCertificates(this.objects, path.join(this.dir, 'certs'), generateSecrets(this.objects, this.dir));
    for (const [name, keys] of Object.entries(this.options.extraSecrets ?? {})) this.secrets.set(name, new Map(Object.entries(keys).map(([k, v]) => [k, Buffer.from(v)])));
    this.cluster = new Cluster(this.options.tag, this.dir, this.rt, this.objects, this.secrets);
    const c = this.cluster;
    const logs = () => this.logs();

    // Cluster DNS at the proxy pod's nameserver (cluster.dnsServiceIP).
    const proxyDep = this.deployment('proxy');
    const dnsIp: string = podSpec(proxyDep).dnsConfig.nameservers[0];
    c.dnsServer = dnsIp;
    c.bridgeAddress(dnsIp);
    c.helper(c.bridgeNs, 'dns', [PYTHON, path.join(PY, 'dns.py'), dnsIp, c.hostsFile]);

    // Addresses outside the pods that the config names: the proxy's external address, the database's edge address.
    const [proxyExtHost, proxyExtPort] = String(this.config.proxy.externalAddress).split(':');
    const [dbEdgeHost, dbEdgePort] = String(this.config.edge.databaseAddress).split(':');
    const edgeNode = this.config.edge.nodes[0];

    const db = this.deployment('database');
    const selector = this.deployment('client-selector');
    const js = this.deployment('job-scheduler');
    const tm = this.deployment('task-manager');
    const edge = this.edgeDeployment();
    const podIps = [
      { labels: db.spec.template.metadata.labels, ip: IP.database },
      { labels: selector.spec.template.metadata.labels, ip: IP.selector },
      { labels: proxyDep.spec.template.metadata.labels, ip: IP.proxy },
      { labels: js.spec.template.metadata.labels, ip: IP.jobScheduler },
      { labels: tm.spec.template.metadata.labels, ip: IP.taskManager },
    ];
    this.routeServices(podIps);

    const dnsSearch = (spec: any) => ({ nameserver: spec.dnsConfig?.nameservers?.[0] ?? dnsIp,
      searches: [...(spec.dnsConfig?.searches ?? []), 'neursafe-fl.svc.cluster.local', 'svc.cluster.local', 'cluster.local'] });
    this.tester = c.pod('tester', { ip: IP.tester, node: 'outside' });

    // --- database: the StatefulSet's pod, its claim an empty folder.
    const dbSpec = { ...podSpec(db), volumes: [...podSpec(db).volumes, ...db.spec.volumeClaimTemplates.map((t: any) => ({ name: t.metadata.name, emptyDir: {} }))] };
    this.pods.database = c.pod('database', { ip: IP.database, extraIps: dbEdgeHost.startsWith(SUBNET_PREFIX) ? [dbEdgeHost] : [], node: 'cloud', ...dnsSearch(dbSpec) });
    // kube-proxy's stand-in for the edge NodePort: DNAT on the database's node address.
    const edgeSvc = this.out.all('Service').find((s) => s.spec.type === 'NodePort' && String(s.spec.ports[0].nodePort) === dbEdgePort);
    if (edgeSvc) {
      const target = edgeSvc.spec.ports[0].targetPort;
      const port = typeof target === 'number' ? target : podSpec(db).containers.flatMap((x: any) => x.ports ?? []).find((p: any) => p.name === target).containerPort;
      const r = c.exec(this.pods.database, ['iptables', '-t', 'nat', '-A', 'PREROUTING', '-d', dbEdgeHost, '-p', 'tcp', '--dport', dbEdgePort, '-j', 'DNAT', '--to-destination',
        `${IP.database}:${port}`]);
      if (r.status !== 0) throw new Error(`iptables (kube-proxy stand-in): ${r.stderr}`);
    }
    await c.runInit(this.pods.database, dbSpec);
    const pg = container(dbSpec, 'postgres');
    this.procs.database = c.start(this.pods.database, dbSpec, pg, { command: ['sh', '-c', POSTGRES_ENTRYPOINT, 'postgres', ...(pg.args ?? [])] });
    this.procs.databaseReload = c.start(this.pods.database, dbSpec, container(dbSpec, 'tls-reload'));
    await waitFor('PostgreSQL to accept connections', 30000, () => this.tcpOpen(this.tester, IP.database, 5432), logs);

    // --- the set-up Job (tables and roles).
    const setupJob = this.objects.find((o) => o.kind === 'Job' && /-database-setup$/.test(o.metadata.name));
    if (setupJob) {
      const spec = podSpec(setupJob);
      this.pods.setup = c.pod('setup', { ip: IP.setup, node: 'cloud', ...dnsSearch(spec) });
      await c.runInit(this.pods.setup, spec, 30000);
      for (const x of spec.containers) {
        const p = c.start(this.pods.setup, spec, x);
        const code = await within(p.exited, 30000, 'timeout');
        if (code !== 0) throw new Error(`set-up Job container ${x.name}: ${code}\n${p.log()}`);
      }
    }

    // --- client selector.
    const selSpec = podSpec(selector);
    this.pods.selector = c.pod('selector', { ip: IP.selector, node: 'cloud', ...dnsSearch(selSpec) });
    await c.runInit(this.pods.selector, selSpec);
    this.procs.selector = c.start(this.pods.selector, selSpec, container(selSpec, 'client-selector'));

    // --- proxy.
    const proxySpec = podSpec(proxyDep);
    this.pods.proxy = c.pod('proxy', { ip: IP.proxy, extraIps: proxyExtHost.startsWith(SUBNET_PREFIX) ? [proxyExtHost] : [], node: 'cloud', nameserver: dnsIp });
    if (proxyExtPort !== String(this.config.proxy.grpcPort)) throw new Error('the e2e config keeps the NodePort equal to the proxy port (no DNAT for it)');
    const proxyC = container(proxySpec, 'proxy');
    const confPath = proxyC.volumeMounts.find((m: any) => m.subPath === 'nginx.conf')?.mountPath ?? '/nginx/conf/nginx.conf';
    const proxyOpts: ContainerOptions = {};
    if (this.options.proxyConf) proxyOpts.fileOverrides = { [confPath]: this.options.proxyConf(configMapFileAt(proxySpec, proxyC, confPath, this.out).text) };
    await c.runInit(this.pods.proxy, proxySpec);
    this.procs.proxy = c.start(this.pods.proxy, proxySpec, proxyC, proxyOpts);
    for (const s of proxySpec.containers.filter((x: any) => x.name !== 'proxy')) c.start(this.pods.proxy, proxySpec, s);
    const proxyHttp = this.config.proxy.httpPort;
    await waitFor('the proxy\'s health endpoint', 20000, async () => (await this.http(this.tester, 'GET', `http://${IP.proxy}:${proxyHttp}/api/v1/health`)).status === 200, logs);
    await waitFor('the selector to listen', 20000, () => this.tcpOpen(this.tester, IP.selector, selSpec.containers[0].ports[0].containerPort), logs);

    // --- job scheduler, its kubectl proxy replaced by the Kubernetes API stand-in.
    const jsSpec = podSpec(js);
    const jsC = container(jsSpec, 'job-scheduler');
    const k8sAddr = jsC.env.find((e: any) => e.name === 'K8S_ADDRESS').value as string;
    this.pods.jobScheduler = c.pod('jobsched', { ip: IP.jobScheduler, node: 'cloud', ...dnsSearch(jsSpec) });
    // The shared root exists on every cloud node (an operator prerequisite: the hostPath is type Directory).
    const sharedRoot = jsSpec.volumes.find((v: any) => v.hostPath && jsC.volumeMounts.some((m: any) => m.name === v.name && m.mountPath === '/workspace')).hostPath.path;
    fs.mkdirSync(c.nodePath('cloud', sharedRoot), { recursive: true });
    this.k8s = new KubernetesStandIn(c, IP.coordinators, 'cloud');
    const sock = path.join(this.dir, 'k8s.sock');
    await this.k8s.listen(sock);
    const [k8sHost, k8sPort] = k8sAddr.split(':');
    c.helper(this.pods.jobScheduler, 'k8s-api-forwarder', [PYTHON, path.join(PY, 'fwd.py'), k8sHost, k8sPort, sock]);
    await c.runInit(this.pods.jobScheduler, jsSpec, 30000);
    this.procs.jobScheduler = c.start(this.pods.jobScheduler, jsSpec, jsC);
    for (const s of jsSpec.containers.filter((x: any) => !['job-scheduler', 'api-proxy'].includes(x.name))) c.start(this.pods.jobScheduler, jsSpec, s);
    const httpPort = Number(jsC.env.find((e: any) => e.name === 'HTTP_PORT').value);
    this.jobSchedulerUrl = `http://${IP.jobScheduler}:${httpPort}`;

    // --- task managers: the cloud one and the edge node's (host network: the node's address).
    this.pods.taskManager = c.pod('tm-cloud', { ip: IP.taskManager, node: 'cloud', ...dnsSearch(podSpec(tm)) });
    this.pods.edge = c.pod('tm-edge', { ip: edgeNode.address, node: edgeNode.name, nameserver: dnsIp });
    await this.startTaskManager('cloud', tm, this.pods.taskManager);
    await this.startTaskManager('edge', edge, this.pods.edge);
    for (const [site, d] of this.remoteDeployments()) await this.startRemoteSite(site, d);
    await waitFor('the job scheduler\'s health endpoint', 30000, async () => (await this.http(this.tester, 'GET', `${this.jobSchedulerUrl}/api/v1/health`)).status === 200, logs);
  }

  jobSchedulerUrl = '';

  /**
   * A remote site's task manager, in a cluster of its own: a pod at the host
   * of the site's external address, its NodePort turned to the task
   * manager's port there (kube-proxy's stand-in), its cluster DNS that
   * of its namespace.
   */
  private async startRemoteSite(site: string, deployment: any): Promise<void> {
    const [host, nodePort] = String(this.setupFile(deployment).json.external_address).split(':');
    const pod = this.cluster.pod(`site-${site}`, {
      ip: host,
      node: `site-${site}`,
      nameserver: this.cluster.dnsServer,
      searches: [`${deployment.metadata.namespace}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'],
    });
    this.pods[`site-${site}`] = pod;
    const port = String(this.setupFile(deployment).json.port);
    if (nodePort !== port) {
      const r = this.cluster.exec(pod, ['iptables', '-t', 'nat', '-A', 'PREROUTING', '-d', host, '-p', 'tcp', '--dport', nodePort, '-j', 'DNAT', '--to-destination', `${host}:${port}`]);
      if (r.status !== 0) throw new Error(`iptables (kube-proxy stand-in): ${r.stderr}`);
    }
    await this.startTaskManager(`site-${site}`, deployment, pod);
  }

  /** The site folders of a task manager (hostPath volumes on its node), by volume name. */
  sitePaths(deployment: any): Record<string, string> {
    const spec = podSpec(deployment);
    return Object.fromEntries(spec.volumes.filter((v: any) => v.hostPath).map((v: any) => [v.name, v.hostPath.path]));
  }

  /** The task manager's setup file as generated. */
  setupFile(deployment: any): { path: string; json: any } {
    const spec = podSpec(deployment);
    const tmC = container(spec, 'task-manager');
    const cfgIdx = tmC.command.indexOf('--config_file');
    const p = tmC.command[cfgIdx + 1];
    return { path: p, json: JSON.parse(configMapFileAt(spec, tmC, p, this.out).text) };
  }

  private async startTaskManager(site: string, deployment: any, pod: Pod): Promise<void> {
    const c = this.cluster;
    const spec = podSpec(deployment);
    const tmC = container(spec, 'task-manager');
    const setup = this.setupFile(deployment);
    // The site's operator puts the data set and the task's entry in the site folders.
    const datasetsFile = setup.json.datasets as string;
    const datasetsDir = path.dirname(datasetsFile);
    const local = (p: string) => c.nodePath(pod.node, p);
    fs.mkdirSync(local(datasetsDir), { recursive: true });
    execPython([path.join(FIXTURES, 'torch_mnist', 'make_data.py'), local(path.join(datasetsDir, 'synthetic_mnist.npz')), site === 'cloud' ? '1' : site === 'edge' ? '2' : '3']);
    fs.writeFileSync(local(datasetsFile), JSON.stringify({ synthetic_mnist: path.join(datasetsDir, 'synthetic_mnist.npz') }));
    const entry = setup.json.task_config_entry as string;
    fs.mkdirSync(local(path.join(entry, 'torch_mnist')), { recursive: true });
    for (const f of ['model.py', 'train.py', 'evaluate.py', 'slow.py']) fs.copyFileSync(path.join(FIXTURES, 'torch_mnist', f), local(path.join(entry, 'torch_mnist', f)));
    for (const name of ['torch_mnist', 'torch_mnist_slow']) {
      const taskCfg = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'torch_mnist', `${name}.json`), 'utf8'));
      taskCfg.script_path = path.join(entry, 'torch_mnist');
      fs.writeFileSync(local(path.join(entry, `${name}.json`)), JSON.stringify(taskCfg, null, 2));
    }

    await c.runInit(pod, spec, 30000);
    const tunnel = spec.containers.find((x: any) => x.name === 'tls-tunnel');
    if (tunnel && !this.options.withoutTunnel) {
      const t = c.start(pod, spec, tunnel);
      this.procs[`${site}Tunnel`] = t;
    }
    // Test-time edits (README): linux platform, local executors, no cluster label.
    let json = { ...setup.json, platform: 'linux' };
    if (this.options.taskManagerSetup) json = this.options.taskManagerSetup(json, site);
    this.procs[`${site}TaskManager`] = c.start(pod, spec, tmC, {
      envOverrides: { PLATFORM: 'linux', CLUSTER_LABEL_VALUE: undefined },
      fileOverrides: { [setup.path]: `${JSON.stringify(json, null, 2)}\n` },
    });
    const port = Number(setup.json.port);
    if (this.options.waitForTaskManagers === false) return;
    await waitFor(`the ${site} task manager to listen on ${port}`, 30000, () => this.tcpOpen(pod, '127.0.0.1', port), () => this.logs());
  }

  /** The clients registered with the selector (its GetClients call), seen from inside the cluster. */
  async registeredClients(): Promise<{ id: string; address: string }[]> {
    const selSpec = podSpec(this.deployment('client-selector'));
    const out = await this.grpc(this.pods.jobScheduler, ['get-clients', `${IP.selector}:${selSpec.containers[0].ports[0].containerPort}`]);
    if (out.startsWith('ERROR')) throw new Error(out);
    return JSON.parse(out.split('\n').pop()!);
  }

  /** The shared root's folder of an FL namespace on the cloud node (as the job scheduler's pod sees /workspace/<ns>). */
  namespaceFolder(ns: string): string {
    const js = podSpec(this.deployment('job-scheduler'));
    const jsC = container(js, 'job-scheduler');
    const root = jsC.env.find((e: any) => e.name === 'SOURCE_MOUNT_PATH').value;
    return this.cluster.nodePath('cloud', path.join(root, ns));
  }

  /** Writes a Secret's tls.crt/tls.key/ca.crt to files (for probes from the test's own namespace). */
  secretFiles(name: string): { cert: string; key: string; ca: string } {
    const s = this.secrets.get(name);
    if (!s) throw new Error(`no Secret ${name}`);
    const d = path.join(this.dir, 'probe-certs', name);
    fs.mkdirSync(d, { recursive: true });
    const out = { cert: path.join(d, 'tls.crt'), key: path.join(d, 'tls.key'), ca: path.join(d, 'ca.crt') };
    fs.writeFileSync(out.cert, s.get('tls.crt')!);
    fs.writeFileSync(out.key, s.get('tls.key')!, { mode: 0o600 });
    fs.writeFileSync(out.ca, s.get('ca.crt')!);
    return out;
  }

  /** Submits a job (the job scheduler's HTTP API, from outside the cluster as the CLI would through the gateway). */
  async submitJob(job: any): Promise<{ status: number; body: any }> {
    return this.http(this.tester, 'POST', `${this.jobSchedulerUrl}/api/v1/namespaces/default/jobs`, job);
  }

  /** A job config for the PyTorch example (fixtures/torch_mnist), with its initial model written into the shared root. */
  jobConfig(id: string, taskEntry = 'torch_mnist', clients = 2, roundTimeout = 120): any {
    const nsDir = this.namespaceFolder('default');
    fs.mkdirSync(path.join(nsDir, id, 'output'), { recursive: true });
    execPython([path.join(FIXTURES, 'torch_mnist', 'make_data.py'), '--model', path.join(nsDir, id, 'init_model.pt')]);
    return {
      id,
      description: 'e2e: PyTorch port of example/tf_mnist on synthetic data',
      model_path: `${id}/init_model.pt`,
      runtime: 'pytorch',
      task_entry: taskEntry,
      output: `${id}/output`,
      ssl: this.config.tls.coordinatorFolder,
      port: 50051,
      datasets: 'synthetic_mnist',
      hyper_parameters: { max_round_num: 1, client_num: clients, threshold_client_num: clients, evaluate_interval: 1, save_interval: 1, round_timeout: roundTimeout },
    };
  }

  /**
   * What the done-when test requires of a job's round, as a list of what is
   * missing (empty: a TrainReply from each task manager came through the
   * proxy, answered by the coordinator, and the round succeeded).
   */
  resultsMissing(jobId: string): string[] {
    const missing: string[] = [];
    const proxyLog = this.procs.proxy.log();
    for (const ip of [this.pods.taskManager.ip, this.pods.edge.ip]) {
      const ok = new RegExp(`^${ip.replace(/\./g, '\\.')} .*"POST /TrainReplyService/TrainReply HTTP/2.0" 200`, 'm');
      if (!ok.test(proxyLog)) missing.push(`no TrainReply from ${ip} answered 200 through the proxy`);
    }
    const coordinator = this.cluster.processes().find((p) => p.name.endsWith(`/default-${jobId}`));
    if (!coordinator) missing.push('no coordinator');
    else if (!/TrainRound execute status: True/.test(coordinator.log())) missing.push('the coordinator\'s round did not succeed');
    return missing;
  }

  /** The job scheduler's job. */
  async job(ns: string, id: string): Promise<any> {
    const r = await this.http(this.tester, 'GET', `${this.jobSchedulerUrl}/api/v1/namespaces/${ns}/jobs/${id}`);
    return r.body;
  }

  async stop(): Promise<void> {
    if (process.env.NSFL_E2E_LOGS && this.cluster) fs.writeFileSync(`${process.env.NSFL_E2E_LOGS}.${this.options.tag}.log`, this.cluster.processes().map((p) => `----- ${p.name} ` +
      `-----\n${p.log()}`).join('\n'));
    await this.k8s?.close();
    await this.cluster?.teardown();
    if (this.dir && process.env.NSFL_E2E_KEEP !== '1') fs.rmSync(this.dir, { recursive: true, force: true });
  }

  static inPodPythonPath(): string {
    return POD_PYTHONPATH;
  }

  static vendor(): string {
    return VENDOR;
  }

  static inPod(): string {
    return IN_POD;
  }

  static quote(s: string): string {
    return q(s);
  }
}

/**
 * Stand-in for the postgres image's entrypoint (docker-entrypoint.sh): a
 * first start initialises PGDATA with POSTGRES_USER and POSTGRES_PASSWORD
 * and creates POSTGRES_DB; then the server runs with the container's args
 * (listen_addresses='*', as the image's sample configuration has).
 */
const POSTGRES_ENTRYPOINT = `set -eu
mkdir -p /run/postgresql
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  printf %s "$POSTGRES_PASSWORD" > /tmp/pwfile
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile=/tmp/pwfile --auth-host=scram-sha-256 --auth-local=trust >/dev/null
  rm -f /tmp/pwfile
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -k /run/postgresql" -w start >/dev/null
  psql -h /run/postgresql -U "$POSTGRES_USER" -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE \\"$POSTGRES_DB\\"" >/dev/null
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -k /run/postgresql "$@"`;

function execPython(args: string[]): void {
  execFileSync(PYTHON, args, { stdio: 'pipe' });
}
