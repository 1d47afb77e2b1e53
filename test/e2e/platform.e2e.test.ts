/**
 * THE DONE-WHEN TEST, with the platform's own programs on the generated
 * files and no Kubernetes (support/platform.ts): the cloud and the edge task
 * manager register through the generated proxy (TLS through their generated
 * tls-tunnel containers); a real job submitted to the job scheduler's API
 * gets its coordinator from the Pod the job scheduler asks for; the
 * coordinator selects both task managers through the selector and sends
 * Train over TLS; a result from EACH task manager arrives at the coordinator
 * through the proxy; a full round of a tiny PyTorch model (training,
 * aggregation, evaluation) finishes the job. Also: each program logs in to
 * PostgreSQL with its own role, over TLS; and the negative checks (a foreign
 * CA's client certificate, plaintext from outside, a coordinator path
 * without the right certificate).
 */
import * as fs from 'fs';
import * as path from 'path';
import { foreignClient } from './support/certs';
import { kill, waitFor } from './support/cluster';
import { container, podSpec } from './support/output';
import { Platform } from './support/platform';
import { describeE2E } from './support/prereq';

jest.setTimeout(180000);

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describeE2E('the platform from the generated files, end to end', () => {
  const platform = new Platform({ tag: 'p' });
  const logs = () => platform.logs();
  let coordinatorLog = '';

  beforeAll(async () => {
    await platform.start();
  }, 150000);
  afterAll(async () => {
    await platform.stop();
  });

  test('the cloud and the edge task manager register through the proxy, over their TLS tunnels', async () => {
    const clients = await waitFor('both task managers in the selector', 60000, async () => {
      const list = await platform.registeredClients();
      return list.length >= 2 ? list : undefined;
    }, logs);
    const edgeCfg = platform.setupFile(platform.edgeDeployment()).json;
    const cloudCfg = platform.setupFile(platform.cloudDeployment()).json;
    // Registered under the addresses coordinators call them at (their setup files' external_address).
    expect(clients!.map((x) => x.address).sort()).toEqual([edgeCfg.external_address, cloudCfg.external_address].sort());
    // Each program's `server` is its pod's tunnel on loopback (generated), and its Register came out of the
    // proxy's TLS port (the http2 server is loopback-only; the PROXY header carries the pod's address).
    for (const cfg of [edgeCfg, cloudCfg]) expect(cfg.server).toMatch(/^127\.0\.0\.1:\d+$/);
    const proxyLog = platform.procs.proxy.log();
    for (const ip of [platform.pods.taskManager.ip, platform.pods.edge.ip]) expect(proxyLog).toMatch(new RegExp(`^${esc(ip)} .*"POST /ClientService/Register HTTP/2.0" 200`, 'm'));
  });

  test('each program logs in to PostgreSQL with its own role, over TLS', async () => {
    const dbUser = (deployment: any, name: string) => {
      const c = container(podSpec(deployment), name);
      const ref = c.env.find((e: any) => e.name === 'DB_USERNAME').valueFrom.secretKeyRef;
      return platform.secrets.get(ref.name)!.get(ref.key)!.toString();
    };
    // In linux mode the task managers never open their table (the platform restores tasks from it in k8s mode
    // only): run the platform's own database client with each task manager container's environment and
    // mounts, from its pod (the edge node through the database's NodePort, i.e. kube-proxy's DNAT stand-in).
    const snippet = [
      'import time',
      'from neursafe_fl.python.resource_manager import const',
      'from neursafe_fl.python.libs.db.db_factory import create_db',
      'c = create_db(const.DB_TYPE, db_server=const.DB_ADDRESS, db_name=const.DB_NAME, user=const.DB_USERNAME, pass_word=const.DB_PASSWORD).get_collection(const.DB_COLLECTION_NAME)',
      'print("rows", len(list(c.find_all())), flush=True)',
      'time.sleep(60)',
    ].join('\n');
    const holders = [
      { pod: platform.pods.taskManager, d: platform.cloudDeployment() },
      { pod: platform.pods.edge, d: platform.edgeDeployment() },
    ].map(({ pod, d }) => platform.cluster.start(pod, podSpec(d), container(podSpec(d), 'task-manager'), { command: ['python3.7', '-c', snippet] }));
    for (const h of holders) await waitFor(`${h.name}: the database client to connect`, 30000, () => /^rows \d+/m.test(h.log()), logs);
    const expected = {
      [platform.pods.jobScheduler.ip]: dbUser(platform.out.get('Deployment', 'nsfl-job-scheduler'), 'job-scheduler'),
      [platform.pods.taskManager.ip]: dbUser(platform.cloudDeployment(), 'task-manager'),
      [platform.pods.edge.ip]: dbUser(platform.edgeDeployment(), 'task-manager'),
    };
    expect(new Set(Object.values(expected)).size).toBe(3);
    const superuser = platform.secrets.get('nsfl-database')!;
    const r = await platform.cluster.execAsync(platform.pods.database, ['env', `PGPASSWORD=${superuser.get('password')}`, 'psql', '-h', '127.0.0.1', '-U', superuser.get('username')!.toString(),
      '-d', 'neursafe_fl', '-tAF', ' ', '-c',
      "SELECT host(a.client_addr), a.usename, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.datname = 'neursafe_fl' AND a.client_addr IS NOT NULL AND host(a.client_addr) <> " +
        "'127.0.0.1'"]);
    const sessions = r.stdout.trim().split('\n').filter(Boolean).map((l) => l.split(' '));
    for (const [ip, role] of Object.entries(expected)) expect(sessions).toContainEqual([ip, role, 't']);
    expect(sessions.every(([, , ssl]) => ssl === 't')).toBe(true);
    for (const h of holders) kill(h);
  });

  test('a job runs: coordinator from the Pod the job scheduler asks for, Train over TLS, a result from EACH task manager through the proxy, aggregation, evaluation, FINISHED', async () => {
    const job = platform.jobConfig('e2e-round');
    const created = await platform.submitJob(job);
    expect(created).toMatchObject({ status: 201 });
    const finished = await waitFor('the job to finish', 120000, async () => {
      const j = await platform.job('default', job.id);
      if (j?.status?.state === 'FAILED') throw new Error(`job FAILED: ${JSON.stringify(j.status)}\n${logs()}`);
      return j?.status?.state === 'FINISHED' ? j : undefined;
    }, logs);
    expect(finished.status).toMatchObject({ state: 'FINISHED', progress: 100 });

    // The coordinator: the Pod the job scheduler asked the API for, in namespace default, with the job's ssl folder.
    const posted = platform.k8s.requests.filter((r) => r.method === 'POST');
    expect(posted.map((r) => r.url).sort()).toEqual(['/api/v1/namespaces/default/pods', '/api/v1/namespaces/default/services']);
    const podObj = posted.find((r) => r.url.endsWith('/pods'))!.body;
    const mounts = podObj.spec.containers[0].volumeMounts.map((m: any) => m.mountPath);
    expect(mounts).toContain(`/fl/${platform.config.tls.coordinatorFolder}`);
    const coordinator = platform.cluster.processes().find((p) => p.name.endsWith(`/default-${job.id}`))!;
    coordinatorLog = coordinator.log();

    // It selected both task managers through the selector, and received the train results of both.
    const edgeCfg = platform.setupFile(platform.edgeDeployment()).json;
    const cloudCfg = platform.setupFile(platform.cloudDeployment()).json;
    const selected = /Select clients success, \[(.*)\]/.exec(coordinatorLog)?.[1] ?? '';
    expect(selected.split(', ').sort()).toEqual([`'${cloudCfg.external_address}'`, `'${edgeCfg.external_address}'`].sort());
    expect(coordinatorLog).toMatch(/TrainRound execute status: True/);
    expect(coordinatorLog).toMatch(/EvaluateRound execute status: True/);
    expect(coordinatorLog).toMatch(/Round receive enough success message 2/);
    // Each task manager's TrainReply and EvaluateReply came through the proxy (answered 200 by the coordinator behind it).
    const proxyLog = platform.procs.proxy.log();
    for (const ip of [platform.pods.taskManager.ip, platform.pods.edge.ip]) {
      for (const call of ['/TrainReplyService/TrainReply', '/EvaluateReplyService/EvaluateReply']) {
        expect(proxyLog).toMatch(new RegExp(`^${esc(ip)} .*"POST ${esc(call)} HTTP/2.0" 200`, 'm'));
      }
    }
    // The aggregated model's evaluation and checkpoint are in the job's output folder of the shared root.
    const out = path.join(platform.namespaceFolder('default'), job.id, 'output');
    const metrics = fs.readdirSync(out, { recursive: true }).map(String).filter((f) => f.endsWith('metrics.json'));
    expect(metrics.length).toBeGreaterThan(0);
  });

  describe('what does not get through', () => {
    const probe = (_from: 'tester', address: string, call: string, moduleId: string, cert?: { cert: string; key: string; ca?: string }) =>
      platform.grpc(platform.tester, ['probe', address, call, moduleId, ...(cert ? [cert.cert, cert.key, ...(cert.ca ? [cert.ca] : [])] : [])]);
    let foreign: { cert: string; key: string; ca: string };
    let proxyAddr: string;
    let coordinatorAddr: string;
    const slowId = 'e2e-open-round';

    beforeAll(async () => {
      // A client with a certificate of a foreign CA, which trusts the platform's CA for the server (so the proxy is what refuses).
      const f = foreignClient(path.join(platform.dir, 'foreign'));
      foreign = { cert: f.cert, key: f.key, ca: platform.secretFiles('nsfl-task-manager-tls').ca };
      proxyAddr = String(platform.config.proxy.externalAddress);
      // A job whose round stays open, so that its coordinator and its route exist while we probe.
      expect(await platform.submitJob(platform.jobConfig(slowId, 'torch_mnist_slow', 1))).toMatchObject({ status: 201 });
      await waitFor('the open round\'s coordinator', 60000,
        () => /Start waiting for TrainRounding/.test(platform.cluster.processes().find((p) => p.name.endsWith(`/default-${slowId}`))?.log() ?? ''), logs);
      const pod = platform.k8s.created().find((c) => c.name === `default/default-${slowId}`)!;
      coordinatorAddr = `${pod.pod.ip}:50051`;
    }, 90000);

    test('positive controls: a platform client certificate reaches the selector and the coordinator through the proxy', async () => {
      const tm = platform.secretFiles('nsfl-task-manager-tls');
      expect(await probe('tester', proxyAddr, '/ClientService/Quit', 'none', tm)).toMatch(/^OK/);
      // The coordinator answers (not the proxy: no 403/502 from nginx).
      const viaProxy = await probe('tester', proxyAddr, '/TrainReplyService/TrainReply', `default-${slowId}`, tm);
      expect(viaProxy).not.toMatch(/:status = '(403|502|503|504)'|StreamTerminated|Connection|SSL/);
      expect(viaProxy).toMatch(/^(OK|ERROR GRPCError)/);
    });

    test('a client certificate from a foreign CA is refused by the proxy', async () => {
      for (const call of ['/ClientService/Quit', '/TrainReplyService/TrainReply']) {
        const r = await probe('tester', proxyAddr, call, `default-${slowId}`, foreign);
        expect(r).toMatch(/^ERROR/);
        expect(r).not.toMatch(/GRPCError/); // no gRPC answer at all: the TLS handshake failed
      }
      // The proxy is what refused it (the client trusted the proxy's certificate).
      expect(platform.procs.proxy.log()).toMatch(new RegExp(`client SSL certificate verify error: .* client: ${esc(platform.tester.ip)},`));
    });

    test('plaintext to the proxy\'s gRPC port from outside carries no FL data', async () => {
      for (const call of ['/ClientService/Register', '/ClientService/Quit', '/TrainReplyService/TrainReply']) {
        const r = await probe('tester', proxyAddr, call, `default-${slowId}`);
        expect(r).toMatch(/^ERROR/);
        expect(r).not.toMatch(/GRPCError/);
      }
    });

    test('a coordinator path, with the route registered, fails without the right client certificate; the coordinator itself demands one', async () => {
      // Through the proxy: no certificate (plaintext) or a foreign one.
      for (const cert of [undefined, foreign]) {
        const r = await probe('tester', proxyAddr, '/TrainReplyService/TrainReply', `default-${slowId}`, cert);
        expect(r).toMatch(/^ERROR/);
        expect(r).not.toMatch(/GRPCError/);
      }
      // Straight at the coordinator: plaintext and a foreign certificate fail; the proxy's certificate is accepted.
      for (const cert of [undefined, foreign]) {
        const r = await probe('tester', coordinatorAddr, '/TrainReplyService/TrainReply', `default-${slowId}`, cert);
        expect(r).toMatch(/^ERROR/);
        expect(r).not.toMatch(/GRPCError/);
      }
      expect(await probe('tester', coordinatorAddr, '/TrainReplyService/TrainReply', `default-${slowId}`, platform.secretFiles('nsfl-proxy-tls'))).toMatch(/^(OK|ERROR GRPCError)/);
    });

    test('the job scheduler\'s Stop (always plaintext in its code) is refused by a TLS coordinator, as docs/security.md says', async () => {
      // The call the job scheduler makes (job.py: unary_call(..., None)), from its own pod.
      const r = await platform.grpc(platform.pods.jobScheduler, ['probe', coordinatorAddr, '/JobStopService/Stop', 'none']);
      expect(r).toMatch(/^ERROR (?!GRPCError)/);
      // With a certificate of the CA the same call is answered: the refusal is the missing TLS.
      expect(await platform.grpc(platform.pods.jobScheduler, ['probe', coordinatorAddr, '/JobStopService/Stop', 'none',
        ...Object.values(platform.secretFiles('nsfl-proxy-tls'))])).toMatch(/^(OK|ERROR GRPCError)/);
    });

    test('the proxy\'s route API takes the route token of the generated Secret only (env TOKEN reaches the Lua)', async () => {
      const js = container(podSpec(platform.out.get('Deployment', 'nsfl-job-scheduler')), 'job-scheduler');
      const ref = js.env.find((e: any) => e.name === 'TOKEN').valueFrom.secretKeyRef;
      const token = platform.secrets.get(ref.name)!.get(ref.key)!.toString();
      const proxyAddress = js.env.find((e: any) => e.name === 'PROXY_ADDRESS').value;
      const host = platform.cluster.lookup(proxyAddress.split(':')[0])!;
      const url = `http://${host}:${proxyAddress.split(':')[1]}/api/v1/internal/routers`;
      const get = (t: string) => platform.http(platform.pods.jobScheduler, 'GET', url, undefined, { 'module-id': `default-${slowId}`, token: t });
      expect((await get(token)).status).toBe(200);
      // The upstream Lua's public default token, and any other, are refused.
      expect((await get('Fl-ZTE')).status).toBe(401);
      expect((await get('wrong')).status).toBe(401);
      // The job scheduler registered its coordinators' routes with it.
      expect(platform.procs.proxy.log()).toMatch(new RegExp(`add module: default-${esc(slowId)} service: default-${esc(slowId)}:50051, client: ${esc(platform.pods.jobScheduler.ip)},`));
    });

    test('the task managers\' own gRPC servers (where coordinators send Train) take TLS only', async () => {
      const edgeCfg = platform.setupFile(platform.edgeDeployment()).json;
      expect(await probe('tester', edgeCfg.external_address, '/TrainService/Train', 'none')).toMatch(/^ERROR (?!GRPCError)/);
      expect(await probe('tester', edgeCfg.external_address, '/TrainService/Train', 'none', foreign)).toMatch(/^ERROR (?!GRPCError)/);
    });
  });
});
