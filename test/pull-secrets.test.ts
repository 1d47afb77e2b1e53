/**
 * images.pullSecrets for the pods the programs create (coordinators,
 * executors: `default`'s ServiceAccount `default`): the set-up Job's script
 * runs with the real kubectl against the recording API server
 * (test/support/kube-api.ts), which authorizes it with the generated Role.
 * It appends the missing names and keeps every other field and entry; run
 * again it changes nothing. Without kubectl the script tests are skipped,
 * unless REQUIRE_E2E=1, where that fails.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FakeApiServer, runShell, startFakeApiServer } from './support/kube-api';
import { configErrors, containers, envOf, synth, Synthesized, withOverrides } from './support/platform';

const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const kubectlFound = spawnSync(KUBECTL, ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!kubectlFound && process.env.REQUIRE_E2E === '1') throw new Error(`REQUIRE_E2E=1 but ${KUBECTL} does not run (apt-get install kubernetes-client)`);
const describeWithKubectl = kubectlFound ? describe : describe.skip;

const ns = 'neursafe-fl';
const NAME = 'nsfl-pod-pull-secrets';
const withSecrets = () => synth(withOverrides({ images: { pullSecrets: ['regcred', 'mirror-cred'] } }));

/** The ServiceAccount as the cluster made it, with fields of others. */
const DEFAULT_SA = (imagePullSecrets?: { name: string }[]) => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name: 'default', namespace: 'default', labels: { team: 'ops' } },
  secrets: [{ name: 'default-token' }],
  ...(imagePullSecrets ? { imagePullSecrets } : {}),
});

async function runJob(out: Synthesized, sa: any): Promise<{ status: number | null; output: string; server: FakeApiServer }> {
  const job = out.get('Job', NAME, ns);
  const role = out.get('Role', NAME, 'default');
  const server = await startFakeApiServer({ types: [{ group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount' }], role: { namespace: 'default', rules: role.rules },
    objects: [sa] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-pull-'));
  try {
    const env = { PATH: process.env.PATH!, HOME: dir, KUBECONFIG: server.kubeconfig(dir) };
    const script = job.spec.template.spec.containers[0].command[2];
    const run = await runShell(script.replace(/\bkubectl\b/g, KUBECTL), env);
    return { ...run, server };
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

jest.setTimeout(60000);

test('without pull secrets there is no Job and no K8S_IMAGE_PULL_SECRETS', () => {
  const out = synth();
  expect(out.objects.filter((o) => o.obj.metadata.name === NAME)).toEqual([]);
  for (const d of out.all('Deployment')) for (const c of containers(d)) expect(envOf(out.withEnvFrom(c), 'K8S_IMAGE_PULL_SECRETS')).toBeUndefined();
});

test('the Role in default may only get and patch the ServiceAccount default, and is bound to the Job alone', () => {
  const out = withSecrets();
  expect(out.get('Role', NAME, 'default').rules).toEqual([{ apiGroups: [''], resources: ['serviceaccounts'], resourceNames: ['default'], verbs: ['get', 'patch'] }]);
  expect(out.get('RoleBinding', NAME, 'default').subjects).toEqual([{ kind: 'ServiceAccount', name: NAME, namespace: ns }]);
  // No Role of its own in the platform namespace, and the ServiceAccount default is never an object of the output (never pruned).
  expect(out.objects.filter((o) => o.obj.kind === 'Role' && o.obj.metadata.name === NAME && o.obj.metadata.namespace === ns)).toEqual([]);
  expect(out.objects.filter((o) => o.obj.kind === 'ServiceAccount' && o.obj.metadata.name === 'default')).toEqual([]);
  expect(out.get('Job', NAME, ns).metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
});

test('the job scheduler and every task manager get K8S_IMAGE_PULL_SECRETS', () => {
  const out = withSecrets();
  const programs = out.all('Deployment').flatMap(containers).filter((c) => ['job-scheduler', 'task-manager'].includes(c.name)).map((c) => out.withEnvFrom(c));
  expect(programs.length).toBeGreaterThan(2);
  for (const c of programs) expect(envOf(c, 'K8S_IMAGE_PULL_SECRETS')).toBe('regcred,mirror-cred');
});

test('K8S_IMAGE_PULL_SECRETS cannot be set by hand, and names are not repeated', () => {
  expect(configErrors(withOverrides({ jobScheduler: { env: { K8S_IMAGE_PULL_SECRETS: 'x' } } }))).toEqual([expect.stringContaining('K8S_IMAGE_PULL_SECRETS')]);
  expect(configErrors(withOverrides({ images: { pullSecrets: ['a', 'a'] } }))).toEqual([expect.stringMatching(/images\.pullSecrets: must not repeat a Secret name/)]);
});

describeWithKubectl('the Job with the real kubectl, against its Role', () => {
  const out = withSecrets();

  test('appends the missing names and keeps the other entries and fields', async () => {
    const { status, output, server } = await runJob(out, DEFAULT_SA([{ name: 'theirs' }, { name: 'regcred' }]));
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('added 1 pull secret(s)') });
    expect(server.requests.filter((r) => r.status !== 200)).toEqual([]);
    const [sa] = server.objects('serviceaccounts', 'default');
    expect(sa).toMatchObject({ metadata: { labels: { team: 'ops' } }, secrets: [{ name: 'default-token' }], imagePullSecrets: [{ name: 'theirs' }, { name: 'regcred' }, { name: 'mirror-cred' }] });
  });

  test('creates the list when the ServiceAccount has none, and a second run changes nothing', async () => {
    const first = await runJob(out, DEFAULT_SA());
    expect(first.status).toBe(0);
    const [sa] = first.server.objects('serviceaccounts', 'default');
    expect(sa.imagePullSecrets).toEqual([{ name: 'regcred' }, { name: 'mirror-cred' }]);
    const again = await runJob(out, { apiVersion: 'v1', kind: 'ServiceAccount', ...sa });
    expect({ status: again.status, output: again.output }).toEqual({ status: 0, output: expect.stringContaining('added 0 pull secret(s)') });
    expect(again.server.requests.filter((r) => r.verb === 'patch')).toEqual([]);
  });
});
