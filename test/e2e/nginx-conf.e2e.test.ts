/**
 * The generated nginx configurations load on a stock nginx: `nginx -t` on
 * Debian's nginx 1.22 (stream and Lua as Debian's dynamic modules, loaded
 * with -g, as OpenResty has them built in) for the proxy's nginx.conf, with
 * the platform's Lua at /nginx/lua and its certificate folder as the pod
 * mounts it, and for every task manager pod's tls-tunnel container. Each
 * runs in its own pod (network and mount namespaces) with the files exactly
 * at the pod spec's mount paths. Catches: a config that needs stream-lua
 * ("balancer_by_lua_block" directive is not allowed here), and task
 * manager pods without a TLS tunnel.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { issueCertificates } from './support/certs';
import { generateSecrets } from './support/secrets';
import { Cluster, imageDefaults, Pod, withDebianModules, within } from './support/cluster';
import { container, podSpec, synthE2E, taskManagerDeployments } from './support/output';
import { describeE2E } from './support/prereq';
import { prepareRuntime } from './support/vendor';

jest.setTimeout(120000);

/** nginx -t for a container: its own command (or the image's), plus -t. */
function testCommand(c: any, cluster: Cluster): string[] {
  const base: string[] = [...(c.command ?? imageDefaults(c.image, cluster.rt).command ?? []), ...(c.args ?? [])];
  return withDebianModules(base, c.image).concat('-t');
}

describeE2E('generated nginx configurations load on Debian\'s nginx', () => {
  const out = synthE2E();
  const objects = out.objects.map((o) => o.obj);
  let dir = '';
  let cluster: Cluster;
  let n = 0;

  beforeAll(() => {
    Cluster.cleanStale('c');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-e2e-conf-'));
    fs.chmodSync(dir, 0o755);
    const rt = prepareRuntime();
    const secrets = issueCertificates(objects, path.join(dir, 'certs'), generateSecrets(objects, dir));
    cluster = new Cluster('c', dir, rt, objects, secrets);
    // Every Service name resolves (nginx resolves upstream names when it loads a config).
    for (const svc of out.all('Service')) {
      const ns = svc.metadata.namespace;
      const name = svc.metadata.name;
      cluster.addHost('10.250.0.99', [name, `${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.cluster.local`]);
    }
  });
  afterAll(async () => {
    await cluster?.teardown();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function nginxT(deployment: any, containerName: string, fileOverrides?: Record<string, string>): Promise<{ code: number | null; log: string }> {
    const spec = podSpec(deployment);
    const c = container(spec, containerName);
    const pod: Pod = cluster.pod(`t${n}`, { ip: `10.250.0.${100 + n}`, node: `node${n}` });
    n++;
    const p = cluster.start(pod, spec, c, { command: testCommand(c, cluster), fileOverrides });
    const code = await within(p.exited, 30000, null);
    return { code, log: p.log() };
  }

  test('the proxy\'s nginx.conf passes nginx -t (platform Lua in place, certificates mounted)', async () => {
    const proxy = out.all('Deployment').find((d) => d.metadata.labels?.['app.kubernetes.io/component'] === 'proxy');
    const r = await nginxT(proxy, 'proxy');
    // On failure the output names the directive nginx refused.
    expect(r.log).toMatch(/test is successful/);
    expect(r.code).toBe(0);
  });

  test('every task manager pod has a tls-tunnel container, and its config passes nginx -t', async () => {
    const deployments = taskManagerDeployments(out);
    expect(deployments.length).toBeGreaterThanOrEqual(2); // the cloud task manager and the edge node
    const results: Record<string, string> = {};
    for (const d of deployments) {
      const names = podSpec(d).containers.map((c: any) => c.name);
      if (!names.includes('tls-tunnel')) {
        results[d.metadata.name] = `no tls-tunnel container (has ${names.join(', ')})`;
        continue;
      }
      const r = await nginxT(d, 'tls-tunnel');
      results[d.metadata.name] = r.code === 0 && /test is successful/.test(r.log) ? 'ok' : r.log;
    }
    expect(results).toEqual(Object.fromEntries(deployments.map((d) => [d.metadata.name, 'ok'])));
  });

  test('mutation check: the old split nginx.conf (stream-lua) fails it', async () => {
    const proxy = out.all('Deployment').find((d) => d.metadata.labels?.['app.kubernetes.io/component'] === 'proxy');
    const c = container(podSpec(proxy), 'proxy');
    const at = c.volumeMounts.find((m: any) => m.subPath === 'nginx.conf').mountPath;
    const old = fs.readFileSync(path.join(__dirname, 'fixtures', 'old-split-nginx.conf'), 'utf8');
    const r = await nginxT(proxy, 'proxy', { [at]: old });
    expect(r.code).not.toBe(0);
    expect(r.log).toMatch(/"balancer_by_lua_block" directive is not allowed here/);
  });
});
