/**
 * The proxy's TLS checks, run for real: the generated proxy nginx.conf (the
 * bundled config with two FL namespaces; its ports, folders and the
 * selector's address moved to this machine) on a stock Debian nginx with its
 * stream and Lua modules and the platform's own Lua files; task managers'
 * traffic through the generated TLS tunnel conf, one tunnel per client
 * certificate; two "coordinators" (nginx http2 TLS servers, each with one
 * FL namespace's certificate) behind routes registered through the route
 * API, as the job scheduler does. Certificates come from openssl: one CA
 * signs the platform's names and other subjects, another CA signs a task
 * manager's subject. Needs nginx, its modules, openssl, curl and the
 * vendored platform and lua-resty-dns sources (test/support/nginx.ts);
 * skipped without them unless REQUIRE_E2E=1.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SSL_DIR } from '../lib/blocks/tls';
import { describeWithNginx, freePort, installProxyLua, Nginx, startNginx } from './support/nginx';
import { synth, withOverrides } from './support/platform';

jest.setTimeout(60000);

const ns = 'neursafe-fl';
const TOKEN = 'route-token-of-this-test';

/** The client certificates, each behind a tunnel of its own. */
const CLIENTS = {
  /** The cloud task manager's subject. */
  cloud: { subject: '/CN=fl_task_manager', ca: 'ca' },
  /** Every edge node's subject. */
  edge: { subject: '/CN=fl_edge_task_manager', ca: 'ca' },
  /** Another leaf of the same CA (e.g. someone's certificate from a shared issuer). */
  stranger: { subject: '/CN=someone-else', ca: 'ca' },
  /** A coordinator's certificate (no subject; its key is readable by job authors in the shared root). */
  coordinator: { subject: '/', ca: 'ca' },
  /** A task manager's subject from another CA. */
  foreign: { subject: '/CN=fl_task_manager', ca: 'other-ca' },
} as const;
type Client = keyof typeof CLIENTS;

describeWithNginx('the proxy admits only task managers, and each route only its namespace\'s coordinators (real nginx)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-proxytls-'));
  const out = synth(withOverrides({ sharedRoot: { namespaces: ['default', 'team-b'] } }));
  const proxyConf: string = out.get('ConfigMap', 'nsfl-proxy', ns).data['nginx.conf'];
  // The edge nodes' tunnel file: the fleet's one shared ConfigMap.
  const tunnelConf: string = out.get('ConfigMap', 'nsfl-tunnel-edge', ns).data['tls-tunnel.conf'];
  const certificate = (secret: string) => out.all('Certificate').find((c) => c.spec.secretName === secret).spec;
  const servers: Nginx[] = [];
  let proxy: Nginx;
  const ports: Record<string, number> = {};
  const tunnelPort: Partial<Record<Client, number>> = {};

  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  /** A leaf of `ca` with `subject` and `sans`, for server and client use, into folder `name` as an ssl folder (cert.pem, private.key, trusted.pem). */
  function leaf(name: string, subject: string, sans: string[], ca: string): string {
    const folder = path.join(dir, name);
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n${sans.length ? `subjectAltName=${sans.join(',')}\n` : ''}`);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}/private.key`, '-out', `${name}.csr`, '-subj', subject);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}/cert.pem`, '-days', '1', '-extfile', `${name}.ext`);
    // Each program trusts the platform's CA only.
    fs.copyFileSync(path.join(dir, 'ca.crt'), path.join(folder, 'trusted.pem'));
    return folder;
  }
  /** `text` with `from` replaced by `to`, failing when `from` is not in it (the generated file changed shape). */
  function moved(text: string, from: string | RegExp, to: string): string {
    const changed = text.replace(typeof from === 'string' ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g') : from, to);
    if (changed === text) throw new Error(`not in the generated file: ${from}`);
    return changed;
  }

  beforeAll(async () => {
    fs.chmodSync(dir, 0o755);
    const caExt = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=nsfl test CA', ...caExt);
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other-ca.key', '-out', 'other-ca.crt', '-days', '1', '-subj', '/CN=unrelated CA', ...caExt);
    // The platform's certificates with the names the generator gives them.
    const dns = (names: string[]) => names.map((n) => `DNS:${n}`);
    const proxySsl = leaf('proxy', '/', dns(certificate('nsfl-proxy-tls').dnsNames), 'ca');
    const coordinatorSsl = {
      default: leaf('coordinators-default', '/', dns(certificate('nsfl-coordinator-tls-default').dnsNames), 'ca'),
      'team-b': leaf('coordinators-team-b', '/', dns(certificate('nsfl-coordinator-tls-team-b').dnsNames), 'ca'),
    };
    const clientSsl = Object.fromEntries(
      (Object.keys(CLIENTS) as Client[]).map((c) => [c, c === 'coordinator' ? coordinatorSsl.default : leaf(`client-${c}`, CLIENTS[c].subject, [], CLIENTS[c].ca)]),
    ) as Record<Client, string>;
    // The generated subjects are the ones this test's task managers carry.
    expect(certificate('nsfl-task-manager-tls').commonName).toBe('fl_task_manager');
    expect(certificate('nsfl-tls-edge-node-1').commonName).toBe('fl_edge_task_manager');

    for (const p of ['grpc', 'http', 'inner', 'selector', 'default', 'team-b']) ports[p] = await freePort();

    // Two coordinators: mutual TLS as the programs' (the proxy's certificate must be from the CA), each answering its name.
    const coordinators = (['default', 'team-b'] as const)
      .map(
        (n) => `    server {
        listen 127.0.0.1:${ports[n]} ssl http2;
        ssl_certificate ${coordinatorSsl[n]}/cert.pem;
        ssl_certificate_key ${coordinatorSsl[n]}/private.key;
        ssl_client_certificate ${dir}/ca.crt;
        ssl_verify_client on;
        location / { default_type text/plain; return 200 "coordinator of ${n}\\n"; }
    }`,
      )
      .join('\n');
    fs.mkdirSync(path.join(dir, 'coordinators-prefix'));
    servers.push(
      await startNginx(path.join(dir, 'coordinators-prefix'), `worker_processes 1;\nerror_log /dev/stderr info;\nevents { worker_connections 64; }\nhttp {\n    access_log ` +
        `off;\n${coordinators}\n}\n`, ports['team-b']),
    );

    // The proxy: the generated file, its ports, folders and selector moved here.
    let conf = proxyConf;
    conf = moved(conf, /listen \d+ ssl;/, `listen 127.0.0.1:${ports.grpc} ssl;`);
    conf = moved(conf, /listen \d+;/, `listen 127.0.0.1:${ports.http};`);
    const inner = /"CN=fl_task_manager" 127\.0\.0\.1:(\d+);/.exec(conf)![1];
    conf = moved(conf, `127.0.0.1:${inner}`, `127.0.0.1:${ports.inner}`);
    conf = moved(conf, /(upstream selector \{\s*server )\S+;/, `$1127.0.0.1:${ports.selector};`);
    conf = moved(conf, SSL_DIR, proxySsl);
    const prefix = path.join(dir, 'proxy-prefix');
    fs.mkdirSync(prefix);
    installProxyLua(prefix, path.join(dir, 'src'));
    execFileSync('chmod', ['-R', 'a+rX', dir]);
    proxy = await startNginx(prefix, conf, ports.grpc, { TOKEN });
    servers.push(proxy);

    // One tunnel per client certificate: the generated tunnel file, its listener, peer and folders moved here.
    for (const c of Object.keys(CLIENTS) as Client[]) {
      const port = await freePort();
      tunnelPort[c] = port;
      const tunnelPrefix = path.join(dir, `tunnel-${c}`);
      fs.mkdirSync(tunnelPrefix);
      let t = moved(tunnelConf, /listen 127\.0\.0\.1:\d+;/, `listen 127.0.0.1:${port};`);
      t = moved(t, /proxy_pass \S+;/, `proxy_pass 127.0.0.1:${ports.grpc};`);
      t = moved(t, SSL_DIR, clientSsl[c]);
      t = moved(t, /^pid \S+;/m, `pid ${tunnelPrefix}/nginx.pid;`);
      servers.push(await startNginx(tunnelPrefix, t, port));
    }

    // Routes, registered as the job scheduler does: module-id <namespace>-<job>, module-service <address>:<port>.
    const route = (id: string, service: string) => {
      const run = spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', '-H', `module-id: ${id}`, '-H', `module-service: ${service}`, '-H', `token: ${TOKEN}`, '--data', '{}', `http://127.0.0.1:${ports.http}/api/v1/internal/routers`], { encoding: 'utf8' });
      expect(run.stdout).toBe('200');
    };
    route('default-job1', `127.0.0.1:${ports.default}`);
    route('team-b-job2', `127.0.0.1:${ports['team-b']}`);
    // A route of namespace default whose peer holds namespace team-b's coordinator key.
    route('default-job3', `127.0.0.1:${ports['team-b']}`);
  });

  afterAll(async () => {
    try {
      for (const s of servers.reverse()) await s.stop();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  /** A gRPC-shaped call (HTTP/2 POST) by the task manager behind `client`'s tunnel, for job `moduleId`: curl's exit status, the HTTP status, the body. */
  function call(client: Client, moduleId: string): { exit: number | null; status: string; body: string } {
    const bodyFile = path.join(dir, `body-${client}`);
    fs.rmSync(bodyFile, { force: true });
    const run = spawnSync(
      'curl',
      ['-sS', '--http2-prior-knowledge', '--max-time', '10', '-o', bodyFile, '-w', '%{http_code}', '-X', 'POST', '-H', 'content-type: application/grpc', '-H', `module-id: ${moduleId}`, '--data-binary', '', `http://127.0.0.1:${tunnelPort[client]}/neursafe_fl.Coordinator/TrainReply`],
      { encoding: 'utf8' },
    );
    return { exit: run.status, status: run.stdout, body: fs.existsSync(bodyFile) ? fs.readFileSync(bodyFile, 'utf8') : '' };
  }

  test('the cloud and the edge task managers\' certificates get through to their jobs\' coordinators', () => {
    for (const c of ['cloud', 'edge'] as const) {
      expect(call(c, 'default-job1')).toEqual({ exit: 0, status: '200', body: 'coordinator of default\n' });
      expect(call(c, 'team-b-job2')).toEqual({ exit: 0, status: '200', body: 'coordinator of team-b\n' });
    }
  });

  test('another certificate of the same CA completes the handshake and is then closed: a stranger\'s, a coordinator\'s', () => {
    const refusals = () => proxy.log().split('client-certificate-is-not-a-task-managers failed').length - 1;
    for (const c of ['stranger', 'coordinator'] as const) {
      const before = refusals();
      const run = call(c, 'default-job1');
      // The connection ends without an answer (curl fails: empty reply or a cut stream); no coordinator is reached.
      expect({ c, failed: run.exit !== 0, body: run.body }).toEqual({ c, failed: true, body: '' });
      // The proxy closed it after the handshake, because of the subject (its error log names the reason).
      expect(refusals()).toBeGreaterThan(before);
    }
  });

  test('a task manager\'s subject from another CA fails the handshake', () => {
    const run = call('foreign', 'default-job1');
    expect(run.body).toBe('');
    expect(run.exit).not.toBe(0);
    expect(proxy.log()).toMatch(/client SSL certificate verify error/);
  });

  test('a route of one namespace whose peer has another namespace\'s coordinator key gets no task results', () => {
    const run = call('cloud', 'default-job3');
    // The proxy demanded coordinators.default.nsfl.internal and the peer showed coordinators.team-b.nsfl.internal.
    expect(run.status).toBe('502');
    expect(run.body).not.toContain('coordinator of');
    expect(proxy.log()).toMatch(/upstream SSL certificate does not match "coordinators\.default\.nsfl\.internal"/);
  });
});
