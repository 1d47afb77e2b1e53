/**
 * Test double for the Kubernetes API that the job scheduler reaches through
 * its `kubectl proxy` sidecar (K8S_ADDRESS): a recording HTTP server on a
 * Unix socket, forwarded into the job scheduler's network namespace at the
 * sidecar's address. It answers what the job scheduler calls (Pods and
 * Services in namespace `default`: create, get, delete) and, on a Pod
 * create, starts that Pod as a new "pod" of the test cluster: its command,
 * env and hostPath volumes at their mount paths, Debian's Python. Its
 * Service's names go into the host table (and DNS), pointing at that pod.
 */
import * as fs from 'fs';
import * as http from 'http';
import { Cluster, kill, Pod, Proc } from './cluster';

export interface Recorded {
  method: string;
  url: string;
  body?: any;
  status: number;
}

export class KubernetesStandIn {
  readonly requests: Recorded[] = [];
  private server?: http.Server;
  private readonly pods = new Map<string, { obj: any; pod: Pod; procs: Proc[] }>();
  private readonly services = new Map<string, any>();
  private next = 0;

  constructor(
    private readonly cluster: Cluster,
    /** Addresses for the pods it creates, in order. */
    private readonly addresses: string[],
    /** Node the created pods run on (their hostPath volumes). */
    private readonly node: string,
  ) {}

  async listen(socketPath: string): Promise<void> {
    if (fs.existsSync(socketPath)) fs.unlinkSync(socketPath);
    this.server = http.createServer((req, res) => {
      let data = '';
      req.on('data', (d) => (data += d));
      req.on('end', () => {
        let body: any;
        try {
          body = data ? JSON.parse(data) : undefined;
        } catch {
          body = data;
        }
        const [status, answer] = this.handle(req.method ?? 'GET', req.url ?? '/', body);
        this.requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', body, status });
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(socketPath, resolve));
    fs.chmodSync(socketPath, 0o777);
  }

  private status(code: number, reason: string, message: string): [number, any] {
    return [code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }];
  }

  private handle(method: string, url: string, body: any): [number, any] {
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/(pods|services)(?:\/([^/?]+))?/.exec(url);
    if (!m) return this.status(404, 'NotFound', `the stand-in does not serve ${method} ${url}`);
    const [, ns, kind, name] = m;
    if (ns !== 'default') return this.status(403, 'Forbidden', `namespace ${ns}: the job scheduler's Role is for namespace default`);
    const key = `${ns}/${name ?? body?.metadata?.name}`;
    if (kind === 'pods') {
      if (method === 'POST' && !name) {
        if (this.pods.has(key)) return this.status(409, 'AlreadyExists', `pods "${body.metadata.name}" already exists`);
        return [201, this.createPod(key, body)];
      }
      const p = this.pods.get(key);
      if (!p) return this.status(404, 'NotFound', `pods "${name}" not found`);
      if (method === 'GET') return [200, { ...p.obj, status: { phase: this.phase(p.procs), podIP: p.pod.ip } }];
      if (method === 'DELETE') {
        for (const proc of p.procs) kill(proc, 'SIGTERM');
        this.pods.delete(key);
        return [200, { ...p.obj, status: { phase: 'Running' } }];
      }
    } else {
      if (method === 'POST' && !name) {
        if (this.services.has(key)) return this.status(409, 'AlreadyExists', `services "${body.metadata.name}" already exists`);
        this.services.set(key, body);
        this.routeService(body);
        return [201, body];
      }
      const s = this.services.get(key);
      if (!s) return this.status(404, 'NotFound', `services "${name}" not found`);
      if (method === 'GET') return [200, s];
      if (method === 'DELETE') {
        this.services.delete(key);
        return [200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' }];
      }
    }
    return this.status(405, 'MethodNotAllowed', `${method} ${url}`);
  }

  private phase(procs: Proc[]): string {
    const codes = procs.map((p) => p.child.exitCode);
    if (codes.some((c) => c === null)) return 'Running';
    return codes.every((c) => c === 0) ? 'Succeeded' : 'Failed';
  }

  /** Starts the Pod's containers in a new pod of the cluster. */
  private createPod(key: string, obj: any): any {
    const ip = this.addresses[this.next++];
    if (!ip) throw new Error('the stand-in ran out of pod addresses');
    const pod = this.cluster.pod(`c${this.next}`, { ip, node: this.node, nameserver: this.cluster.dnsServer });
    const procs = (obj.spec.containers as any[]).map((c) => this.cluster.start(pod, obj.spec, c));
    this.pods.set(key, { obj, pod, procs });
    // Services select the pod by its labels; route those created before it.
    for (const s of this.services.values()) this.routeService(s);
    return { ...obj, status: { phase: 'Pending' } };
  }

  /** Puts a Service's names into the host table, at the pod its selector picks. */
  private routeService(svc: any): void {
    const sel = svc.spec?.selector ?? {};
    for (const p of this.pods.values()) {
      const labels = p.obj.metadata?.labels ?? {};
      if (Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v)) {
        const n = svc.metadata.name;
        this.cluster.addHost(p.pod.ip, [n, `${n}.default`, `${n}.default.svc`, `${n}.default.svc.cluster.local`]);
      }
    }
  }

  /** Processes of the pods it created. */
  created(): { name: string; pod: Pod; procs: Proc[]; obj: any }[] {
    return [...this.pods.entries()].map(([name, p]) => ({ name, ...p }));
  }

  async close(): Promise<void> {
    if (this.server) await new Promise((resolve) => this.server!.close(resolve));
  }
}
