/**
 * A remote client site (remoteSites, docs/cross-silo.md) with the platform's
 * own programs on the generated files: the site's task manager, from its
 * own folder (dist/sites/<site>/) and with the certificate the server's
 * output issues for it, runs in a "cluster" of its own (its pod at the host
 * of the site's external address, its NodePort turned to its port as
 * kube-proxy would); it registers with the server's selector through the
 * proxy's external address over its TLS tunnel, is selected for a round
 * beside the cloud and the edge task manager, and its TrainReply and
 * EvaluateReply reach the coordinator through the proxy.
 */
import * as fs from 'fs';
import { parse, stringify } from 'yaml';
import { waitFor } from './support/cluster';
import { E2E_CONFIG, synthE2E } from './support/output';
import { Platform } from './support/platform';
import { describeE2E } from './support/prereq';

jest.setTimeout(240000);

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The e2e config with one remote site, whose database is an external PostgreSQL (the server's, for the test). */
function configWithSite(): string {
  const config = parse(fs.readFileSync(E2E_CONFIG, 'utf8'));
  config.remoteSites = {
    sites: [
      {
        name: 'org-b',
        namespace: 'fl-org-b',
        externalAddress: '10.250.0.41:30190',
        port: 22010,
        database: { type: 'postgreSQL', external: { address: '10.250.0.11:5432', credentials: { name: 'org-b-database' } } },
      },
    ],
  };
  return stringify(config);
}

describeE2E('a remote site in a cluster of its own, end to end', () => {
  const platform = new Platform({ tag: 'r', out: synthE2E(configWithSite()), extraSecrets: { 'org-b-database': { username: 'org_b', password: 'not-used-in-linux-mode' } } });
  const logs = () => platform.logs();

  beforeAll(async () => {
    await platform.start();
  }, 200000);
  afterAll(async () => {
    await platform.stop();
  });

  test('the site folder holds its task manager, and its certificate comes from the server\'s output', () => {
    const site = platform.remoteDeployments().get('org-b');
    expect(site?.metadata.namespace).toBe('fl-org-b');
    const files = platform.out.objects.filter((o) => o.obj.kind === 'Certificate').map((o) => o.file);
    expect(files.some((f) => !f.startsWith('sites/'))).toBe(true);
    expect(files.filter((f) => f.startsWith('sites/'))).toEqual([]);
  });

  test('it registers with the server\'s selector through the proxy\'s external address, over its TLS tunnel', async () => {
    const cfg = platform.setupFile(platform.remoteDeployments().get('org-b')).json;
    expect(cfg.server).toMatch(/^127\.0\.0\.1:\d+$/);
    const clients = await waitFor('the remote site in the selector', 60000, async () => {
      const list = await platform.registeredClients();
      return list.some((c) => c.address === cfg.external_address) ? list : undefined;
    }, logs);
    expect(clients!.map((c) => c.address)).toContain('10.250.0.41:30190');
    expect(platform.procs.proxy.log()).toMatch(new RegExp(`^${esc('10.250.0.41')} .*"POST /ClientService/Register HTTP/2.0" 200`, 'm'));
  });

  test('a round with all three task managers: the site\'s results reach the coordinator through the proxy, and the job finishes', async () => {
    await waitFor('three task managers in the selector', 60000, async () => ((await platform.registeredClients()).length >= 3 ? true : undefined), logs);
    const job = platform.jobConfig('e2e-remote-round', 'torch_mnist', 3);
    expect(await platform.submitJob(job)).toMatchObject({ status: 201 });
    await waitFor('the job to finish', 150000, async () => {
      const j = await platform.job('default', job.id);
      if (j?.status?.state === 'FAILED') throw new Error(`job FAILED: ${JSON.stringify(j.status)}\n${logs()}`);
      return j?.status?.state === 'FINISHED' ? j : undefined;
    }, logs);
    const coordinator = platform.cluster.processes().find((p) => p.name.endsWith(`/default-${job.id}`))!;
    expect(coordinator.log()).toMatch(/'10\.250\.0\.41:30190'/);
    expect(coordinator.log()).toMatch(/Round receive enough success message 3/);
    const proxyLog = platform.procs.proxy.log();
    for (const call of ['/TrainReplyService/TrainReply', '/EvaluateReplyService/EvaluateReply']) {
      expect(proxyLog).toMatch(new RegExp(`^${esc('10.250.0.41')} .*"POST ${esc(call)} HTTP/2.0" 200`, 'm'));
    }
  });
});
