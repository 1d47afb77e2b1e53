/**
 * The certificate reloader's Role, proved with the real kubectl: the
 * CronJob's own script runs with `kubectl` on the PATH against a recording
 * API server (test/support/kube-api.ts) that holds the generated Deployments
 * and Certificates, pods of those Deployments, and authorizes every request
 * against the generated Role's rules, answering 403 as the API server does.
 *
 * Test double: in the cluster kubectl uses the pod's in-cluster config (the
 * ServiceAccount's token); here the script gets a kubeconfig through
 * `KUBECONFIG` that points kubectl at the recording server instead. The
 * script is unchanged.
 *
 * The image runs kubectl 1.28; Debian's `kubernetes-client` is 1.20. Both
 * make the same calls for these commands: `get -l ... -o jsonpath` lists, and
 * `rollout restart` GETs the Deployment before it PATCHes it (cli-runtime's
 * resource.Helper through the builder's `Latest()`/`RetrieveLatest`). Set
 * `KUBECTL` to pick another kubectl binary. Without kubectl the tests are
 * skipped, unless REQUIRE_E2E=1, where that fails.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FakeApiServer, ResourceType, Rule, runShell, startFakeApiServer } from './support/kube-api';
import { synth, Synthesized } from './support/platform';

const ns = 'neursafe-fl';
const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const kubectlFound = spawnSync(KUBECTL, ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!kubectlFound && process.env.REQUIRE_E2E === '1') throw new Error(`REQUIRE_E2E=1 but ${KUBECTL} does not run (apt-get install kubernetes-client)`);
if (!kubectlFound) console.warn(`reloader RBAC tests skipped: no kubectl (apt-get install kubernetes-client, or set KUBECTL)`);
const describeWithKubectl = kubectlFound ? describe : describe.skip;

const TYPES: ResourceType[] = [
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod' },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment' },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet' },
  { group: 'cert-manager.io', version: 'v1', resource: 'certificates', kind: 'Certificate' },
];

/** When the certificates were (re)issued, and when every pod started: before that. */
const ISSUED = '2026-05-01T00:00:00Z';
const STARTED = '2026-01-01T00:00:00Z';

/**
 * The cluster as the generated output makes it, a year on: its Deployments,
 * one running pod of each (pod template labels, started before the renewal),
 * and its Certificates, just renewed.
 */
function clusterOf(out: Synthesized): any[] {
  const deployments = out.all('Deployment').filter((d) => d.metadata.namespace === ns);
  const pods = deployments.map((d) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${d.metadata.name}-0`, namespace: ns, labels: d.spec.template.metadata.labels },
    status: { phase: 'Running', startTime: STARTED },
  }));
  const certificates = out.all('Certificate').map((c) => ({ ...c, status: { notBefore: ISSUED } }));
  return [...deployments, ...pods, ...certificates];
}

/** Runs the reloader CronJob's script with the real kubectl against a server that grants `rules`. */
async function runReloader(out: Synthesized, rules: readonly Rule[], cluster: any[] = clusterOf(out)): Promise<{ status: number | null; output: string; server: FakeApiServer }> {
  const cron = out.get('CronJob', 'nsfl-certificate-reloader', ns);
  const container = cron.spec.jobTemplate.spec.template.spec.containers[0];
  expect(container.command.slice(0, 2)).toEqual(['sh', '-c']);
  const server = await startFakeApiServer({ types: TYPES, role: { namespace: ns, rules }, objects: cluster });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-reloader-'));
  try {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const resolved = spawnSync('sh', ['-c', `command -v "${KUBECTL}"`], { encoding: 'utf8' }).stdout.trim();
    fs.symlinkSync(resolved, path.join(bin, 'kubectl'));
    const home = path.join(dir, 'home');
    fs.mkdirSync(home);
    const env = { PATH: `${bin}:${process.env.PATH}`, HOME: home, KUBECONFIG: server.kubeconfig(dir) };
    // Asynchronous: the server answers from this process.
    const run = await runShell(container.command[2], env);
    return { ...run, server };
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `group/resource verb` of every rule, expanded. */
const granted = (rules: readonly Rule[]) =>
  [...new Set(rules.flatMap((r) => (r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${g}/${res} ${v}`)))))].sort();

jest.setTimeout(60000);

describeWithKubectl('the certificate reloader with the real kubectl, against RBAC', () => {
  const out = synth();
  const role = out.get('Role', 'nsfl-certificate-reloader', ns);
  /** The workloads the Certificates name for a restart. */
  const toRestart = out
    .all('Certificate')
    .map((c) => c.metadata.annotations['fl.neursafe.io/restart'])
    .filter((w) => w !== undefined)
    .map((w: string) => w.split('/')[1])
    .sort();

  test('its Role lets it restart every renewed task manager, and grants nothing its commands do not call', async () => {
    expect(toRestart.length).toBeGreaterThan(0);
    const { status, output, server } = await runReloader(out, role.rules);
    // No request was refused, and the script reports every restart done.
    expect(server.requests.filter((r) => r.status === 403)).toEqual([]);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining(`restarted ${toRestart.length} workload(s) to load renewed certificates, 0 failed`) });
    // Each restart is a PATCH of the pod template's restartedAt annotation, which makes new pods with the new certificate.
    const patches = server.requests.filter((r) => r.verb === 'patch');
    expect(patches.map((p) => p.name).sort()).toEqual(toRestart);
    for (const p of patches) expect(JSON.parse(p.body!).spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toEqual(expect.any(String));
    // Least privilege: the Role grants exactly the verbs per resource the commands used.
    const used = [...new Set(server.requests.map((r) => `${r.group}/${r.resource} ${r.verb}`))].sort();
    expect(granted(role.rules)).toEqual(used);
  });

  test("it still restarts them after Argo CD's label tracking rewrote app.kubernetes.io/instance on every object it applied", async () => {
    // Argo CD labels the Deployments and Certificates it applies with the Application's name; pods keep their template's labels.
    const tracked = clusterOf(out).map((o) => (o.kind === 'Pod' ? o : { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, 'app.kubernetes.io/instance': 'nsfl-platform' } } }));
    const { status, output, server } = await runReloader(out, role.rules, tracked);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining(`restarted ${toRestart.length} workload(s)`) });
    expect(server.requests.filter((r) => r.verb === 'patch').map((p) => p.name).sort()).toEqual(toRestart);
  });

  test('a Role without `get` on Deployments (the old one) has every restart refused', async () => {
    const old = role.rules.map((r: Rule) => (r.resources?.includes('deployments') ? { ...r, verbs: r.verbs.filter((v) => v !== 'get') } : r));
    const { status, output, server } = await runReloader(out, old);
    // `rollout restart` GETs the Deployment first: Forbidden, so nothing is patched and the run fails.
    expect(server.requests.filter((r) => r.status === 403).map((r) => `${r.verb} ${r.resource}/${r.name}`).sort()).toEqual(toRestart.map((n) => `get deployments/${n}`));
    expect(server.requests.some((r) => r.verb === 'patch')).toBe(false);
    expect(status).not.toBe(0);
    expect(output).toContain(`restarted 0 workload(s) to load renewed certificates, ${toRestart.length} failed`);
  });
});
