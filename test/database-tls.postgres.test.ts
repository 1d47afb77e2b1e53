/**
 * The embedded PostgreSQL's TLS, run for real: a throwaway CA signs a server
 * certificate and client certificates (openssl), the init container's own
 * command copies the key and the CA as the generated StatefulSet does, and
 * PostgreSQL starts with the args and pg_hba.conf the bundled config
 * generates (file paths moved to a temp folder); an edge node, the cloud
 * task manager, the job scheduler, the model manager and the set-up Job
 * connect with the environments their generated containers have. It listens on
 * 127.0.0.1 (loopback, as the probes reach it) and 127.0.0.2. A connection
 * to 127.0.0.2 still comes from 127.0.0.1 (Linux's route for 127/8 has
 * src 127.0.0.1), so "another host" is a relay here that connects from
 * 127.0.0.2, which no loopback line of pg_hba.conf matches. psql, with the
 * programs' libpq TLS environment, shows what the cluster's clients get. Needs the PostgreSQL server binaries
 * and openssl; without a server the test is skipped, unless
 * REQUIRE_POSTGRES=1, where its absence fails it.
 */
import { execFile, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { DATABASE_CA_DIR, DATABASE_CLIENT_DIR, postgresTlsEnv, SSL_DIR } from '../lib/blocks/tls';
import { DATABASE_USERS } from '../lib/resolve/database-users';
import { describeWithServer, POSTGRES_BIN } from './support/postgres';
import { containers, plainEnv, synth, withOverrides } from './support/platform';

const bin = POSTGRES_BIN;

/**
 * The bundled config's embedded database (StatefulSet, and its pg_hba.conf),
 * the database clients' containers (the task managers of the cloud and of
 * edge-node-1, the job scheduler, the model manager) with their client
 * certificates' common names, and the set-up Job's pod, as `npm run synth`
 * writes them.
 */
function generated(allowPlaintext: boolean): { sts: any; hba: string; clients: Record<Client, { container: any; commonName: string }>; setup: { pod: any; container: any; commonName: string } } {
  const out = synth(withOverrides({ tls: { plaintextDatabase: allowPlaintext } }));
  const ns = 'neursafe-fl';
  const commonName = (secret: string) => out.all('Certificate').find((c) => c.spec.secretName === secret).spec.commonName;
  const client = (deployment: string, secret: string) => ({
    container: containers(out.get('Deployment', deployment, ns)).map((c) => out.withEnvFrom(c)).find((c) => plainEnv(c).DB_ADDRESS !== undefined),
    commonName: commonName(secret),
  });
  const setupJob = out.get('Job', 'nsfl-database-setup', ns);
  return {
    sts: out.get('StatefulSet', 'nsfl-database', ns),
    hba: out.get('ConfigMap', 'nsfl-database-hba', ns).data['pg_hba.conf'],
    clients: {
      edge: client('nsfl-edge-edge-node-1', 'nsfl-tls-edge-node-1'),
      cloud: client('nsfl-task-manager', 'nsfl-task-manager-tls'),
      jobScheduler: client('nsfl-job-scheduler', 'nsfl-job-scheduler-tls'),
      modelManager: client('nsfl-model-manager', 'nsfl-model-manager-tls'),
    },
    setup: { pod: setupJob.spec.template.spec, container: containers(setupJob).find((c) => c.name === 'tables'), commonName: commonName('nsfl-database-setup-tls') },
  };
}

/** The programs whose roles log in with a certificate: an edge node's and the cloud task manager, the job scheduler, the model manager. */
type Client = 'edge' | 'cloud' | 'jobScheduler' | 'modelManager';
/** Each one's database role, and the password this test gives it. */
const ROLES: Record<Client, { role: string; password: string }> = {
  edge: { role: DATABASE_USERS.edgeTaskManager.role, password: 'edge-pass' },
  cloud: { role: DATABASE_USERS.taskManager.role, password: 'cloud-pass' },
  jobScheduler: { role: DATABASE_USERS.jobScheduler.role, password: 'jobs-pass' },
  modelManager: { role: DATABASE_USERS.modelManager.role, password: 'models-pass' },
};
/** The client certificates this test makes (`ssl-<name>` folders); `setup` is the set-up Job's. */
type Cert = Client | 'setup' | 'empty' | 'foreign';

// psql runs as a child process beside the relay: leave room on a loaded 2-core machine.
jest.setTimeout(30000);

describeWithServer('embedded PostgreSQL TLS against a real server', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-pgtls-'));
  const data = path.join(dir, 'data');
  // Another range than database-setup.postgres.test.ts (40000+), which may run at the same time.
  const port = 20000 + (process.pid % 20000);
  /** "Another host": a byte relay on 127.0.0.2 that reaches the server from 127.0.0.2 (TLS is negotiated in-band, so it passes through). */
  let relay: net.Server | undefined;
  /** The relay's open sockets, ended in afterAll. */
  const relayed = new Set<net.Socket>();
  let relayPort = 0;
  const root = process.getuid?.() === 0;
  const asPostgres = (cmd: string, args: string[]) =>
    // initdb and postgres refuse to run as root; the pod runs them (and the init container) as PostgreSQL's user.
    execFileSync(root ? 'runuser' : cmd, root ? ['-u', 'postgres', '--', cmd, ...args] : args, { encoding: 'utf8', stdio: 'pipe' });
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

  const { sts, hba, clients, setup } = generated(false);
  const edge = clients.edge.container;
  const pod = sts.spec.template.spec;
  const postgres = pod.containers.find((c: any) => c.name === 'postgres');
  const init = pod.initContainers.find((c: any) => c.name === 'tls-files');
  /** Each mounted folder of the pod → its stand-in in the temp folder, named after its volume. */
  const folders = new Map<string, string>();
  for (const m of [...init.volumeMounts, ...postgres.volumeMounts]) {
    if (m.name !== 'data') folders.set(m.mountPath, path.join(dir, m.name));
  }
  /** A path or argument of the pod, with its folders moved to the temp folder (longest first: one may prefix another). */
  const local = (s: string) => [...folders.keys()].sort((a, b) => b.length - a.length).reduce((acc, from) => acc.split(from).join(folders.get(from)!), s);
  const hbaFile = () => {
    const arg = (postgres.args as string[]).find((a) => a.startsWith('hba_file='));
    if (!arg) throw new Error('no hba_file in the server args');
    return local(arg.slice('hba_file='.length));
  };
  const tlsDir = local(init.volumeMounts.find((m: any) => m.name === 'tls').mountPath);
  const keyFile = () => local((postgres.args as string[]).find((a) => a.startsWith('ssl_key_file='))!.slice('ssl_key_file='.length));

  beforeAll(async () => {
    fs.chmodSync(dir, 0o777);
    // A throwaway CA, a server certificate it signs, and an unrelated CA.
    const caExt = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=nsfl test CA', ...caExt);
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other-ca.key', '-out', 'other-ca.crt', '-days', '1', '-subj', '/CN=unrelated CA', ...caExt);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=fl-database');
    // The edge nodes verify the name database.nsfl.internal (they dial an IP address: PGHOSTADDR), the cloud task manager its Service's.
    fs.writeFileSync(path.join(dir, 'server.ext'),
      'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:fl-database,DNS:database.nsfl.internal,DNS:nsfl-database.neursafe-fl.svc,IP:127.0.0.2\n');
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'server.ext');

    // The cert-manager Secret as the pod mounts it: tls.key and tls.crt, mode 0440 (the volume's defaultMode), group PostgreSQL's (fsGroup).
    const secretVolume = pod.volumes.find((v: any) => v.name === 'tls-secret');
    const secretDir = folders.get(init.volumeMounts.find((m: any) => m.name === 'tls-secret').mountPath)!;
    fs.mkdirSync(secretDir, { mode: 0o755 });
    for (const [key, from] of [['tls.key', 'server.key'], ['tls.crt', 'server.crt'], ['ca.crt', 'ca.crt']]) {
      const to = path.join(secretDir, key);
      fs.copyFileSync(path.join(dir, from), to);
      if (root) execFileSync('chgrp', ['postgres', to]);
      fs.chmodSync(to, secretVolume.secret.defaultMode);
    }
    // The memory folder (an emptyDir: writable by the pod's user) and the ConfigMap's pg_hba.conf.
    fs.mkdirSync(tlsDir, { mode: 0o777 });
    fs.chmodSync(tlsDir, 0o777);
    fs.mkdirSync(path.dirname(hbaFile()), { recursive: true, mode: 0o755 });
    fs.writeFileSync(hbaFile(), hba, { mode: 0o644 });

    // Client certificates: the task managers', the job scheduler's, the model manager's and the set-up Job's (the
    // subjects the generator gives them), an empty subject (the proxy's, the coordinators'), and the edge nodes' subject
    // signed by another CA; each in an ssl folder as the programs mount it (mode 0400, root's), the set-up Job's as
    // its pod mounts it for its non-root psql (mode 0440, root's, group PostgreSQL's: fsGroup).
    fs.writeFileSync(path.join(dir, 'client.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth,serverAuth\nsubjectAltName=IP:192.0.2.11\n');
    const setupVolume = setup.pod.volumes.find((v: any) => v.name === setup.container.volumeMounts.find((m: any) => m.mountPath === DATABASE_CLIENT_DIR).name);
    const subjects: [Cert, string, string][] = [
      ...(Object.keys(ROLES) as Client[]).map((c): [Cert, string, string] => [c, `/CN=${clients[c].commonName}`, 'ca']),
      ['setup', `/CN=${setup.commonName}`, 'ca'],
      ['empty', '/', 'ca'],
      ['foreign', `/CN=${clients.edge.commonName}`, 'other-ca'],
    ];
    for (const [name, subject, ca] of subjects) {
      const folder = path.join(dir, `ssl-${name}`);
      fs.mkdirSync(folder, { mode: 0o755 });
      openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `ssl-${name}/private.key`, '-out', `${name}.csr`, '-subj', subject);
      openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `ssl-${name}/cert.pem`, '-days', '1', '-extfile', 'client.ext');
      // A whole ssl folder: trusted.pem is the platform's CA (an edge node's libpq verifies the server with it).
      fs.copyFileSync(path.join(dir, 'ca.crt'), path.join(folder, 'trusted.pem'));
      for (const f of ['cert.pem', 'private.key', 'trusted.pem']) {
        const file = path.join(folder, f);
        if (name === 'setup' && root) execFileSync('chgrp', ['postgres', file]);
        fs.chmodSync(file, name === 'setup' && root ? setupVolume.secret.defaultMode : 0o400);
      }
    }

    // The init container's own command, as PostgreSQL's user.
    expect(init.command.slice(0, 2)).toEqual(['sh', '-c']);
    asPostgres('sh', ['-c', local(init.command[2])]);

    fs.writeFileSync(path.join(dir, 'pw'), 'superpass', { mode: 0o644 });
    asPostgres(path.join(bin!, 'initdb'), ['-D', data, '-U', 'neursafe', '--pwfile', path.join(dir, 'pw'), '--auth=scram-sha-256']);
    // The container's args (paths moved), plus where this test's server listens.
    const args = [...(postgres.args as string[]).map(local), '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1,127.0.0.2'];
    const options = args.map((a) => `'${a}'`).join(' ');
    try {
      asPostgres(path.join(bin!, 'pg_ctl'), ['-D', data, '-w', '-t', '30', '-l', path.join(dir, 'log'), '-o', options, 'start']);
    } catch (e) {
      // The reason (e.g. "private key file ... has group or world access") is in the server's log, removed in afterAll.
      throw new Error(`PostgreSQL did not start with the generated TLS settings:\n${fs.readFileSync(path.join(dir, 'log'), 'utf8')}`, { cause: e });
    }
    const superuser = (sql: string) => execFileSync('psql', ['-h', dir, '-p', String(port), '-U', 'neursafe', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', sql], { stdio: 'pipe' });
    superuser('CREATE DATABASE neursafe_fl');
    // A role of no program, as the superuser is (its name comes from a Secret): the catch-all lines apply to it.
    superuser(`CREATE ROLE app LOGIN PASSWORD 'app-pass'`);
    for (const { role, password } of Object.values(ROLES)) superuser(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);

    relay = net.createServer((client) => {
      const upstream = net.connect({ host: '127.0.0.2', port, localAddress: '127.0.0.2' });
      for (const socket of [client, upstream]) {
        relayed.add(socket);
        socket.on('close', () => relayed.delete(socket));
      }
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay!.listen(0, '127.0.0.2', resolve));
    relayPort = (relay.address() as net.AddressInfo).port;
  }, 60000);

  afterAll(async () => {
    // The server first, whatever happens to the relay: a server left running outlives the test run.
    try {
      if (fs.existsSync(path.join(data, 'postmaster.pid'))) asPostgres(path.join(bin!, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      // close() waits for open connections: end them.
      for (const socket of relayed) socket.destroy();
      if (relay) await new Promise((resolve) => relay!.close(resolve));
    }
  });

  /**
   * psql as the role `app` (no program's: the catch-all lines apply), from
   * `from` (127.0.0.1: loopback; another: through the relay), with extra
   * environment (libpq's PGSSL* variables); exit code and output.
   * Asynchronous: the relay runs in this process.
   */
  function psql(from: '127.0.0.1' | 'another', extraEnv: Record<string, string>, statement = 'SELECT 1', hostName = 'fl-database'): Promise<{ status: number | null; output: string }> {
    // Another host is dialled by name, as the programs dial the Service (PGHOSTADDR stands in for DNS): verify-full checks that name.
    const [host, p] = from === 'another' ? [hostName, relayPort] : ['127.0.0.1', port];
    const args = ['-h', host, '-p', String(p), '-U', 'app', '-d', 'neursafe_fl', '-v', 'ON_ERROR_STOP=1', '-tAc', statement];
    const env = { PATH: process.env.PATH!, HOME: dir, PGPASSWORD: 'app-pass', PGCONNECT_TIMEOUT: '5', ...(from === 'another' ? { PGHOSTADDR: '127.0.0.2' } : {}), ...extraEnv };
    return new Promise((resolve) =>
      execFile('psql', args, { env, encoding: 'utf8' }, (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, output: stdout + stderr })),
    );
  }

  /**
   * A generated container's libpq environment (PG*), its folders moved here:
   * the CA file, and its ssl folder (a program's or its database client
   * folder) to `ssl-<cert>` (none: no certificate files).
   */
  function movedEnv(container: any, cert: Cert | undefined): Record<string, string> {
    const folder = path.join(dir, `ssl-${cert}`);
    const moved = Object.fromEntries(
      Object.entries(plainEnv(container))
        .filter(([k]) => k.startsWith('PG'))
        .map(([k, v]) => [k, v.replace(`${DATABASE_CA_DIR}/ca.crt`, path.join(dir, 'ca.crt')).replace(SSL_DIR, folder).replace(DATABASE_CLIENT_DIR, folder)]),
    );
    if (cert === undefined) {
      delete moved.PGSSLCERT;
      delete moved.PGSSLKEY;
      // No ssl folder: the same CA, from the CA file.
      if (moved.PGSSLROOTCERT?.startsWith(`${folder}/`)) moved.PGSSLROOTCERT = path.join(dir, 'ca.crt');
    }
    return moved;
  }

  /** psql from another host (the relay), as `user` with `env`; exit code and output. */
  function remotePsql(host: string, user: string, env: Record<string, string>, asPostgresUser = false): Promise<{ status: number | null; output: string }> {
    const args = ['-h', host, '-p', String(relayPort), '-U', user, '-d', 'neursafe_fl', '-v', 'ON_ERROR_STOP=1', '-tAc', SSL_IN_USE];
    const fullEnv = { PATH: process.env.PATH!, HOME: dir, PGCONNECT_TIMEOUT: '5', ...env, PGHOSTADDR: '127.0.0.2' };
    const [cmd, cmdArgs] = asPostgresUser && root ? ['runuser', ['-u', 'postgres', '--', 'psql', ...args]] : ['psql', args];
    return new Promise((resolve) =>
      execFile(cmd, cmdArgs, { env: fullEnv, encoding: 'utf8' }, (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0,
        output: stdout + stderr })),
    );
  }

  /**
   * psql as the program `client`, with its generated container's libpq
   * environment (its folders and the database's address moved here:
   * PGHOSTADDR to the relay, standing in for DNS too), the ssl folder
   * `ssl-<cert>` (none: no certificate files) and `password`.
   */
  function clientPsql(
    client: Client,
    cert: Cert | undefined,
    password = ROLES[client].password,
    extraEnv: Record<string, string> = {},
  ): Promise<{ status: number | null; output: string }> {
    const [host] = plainEnv(clients[client].container).DB_ADDRESS.split(':');
    return remotePsql(host, ROLES[client].role, { PGPASSWORD: password, ...movedEnv(clients[client].container, cert), ...extraEnv });
  }

  /**
   * psql as the set-up Job's `tables` container: its generated libpq
   * environment, the host its script sets, the superuser; with its own
   * certificate (as root) as PostgreSQL's user, which the container runs as
   * (its key is root's, readable by that group: the pod's fsGroup), with
   * another (root's, mode 0400) or none as this process's user.
   */
  function setupPsql(cert: Cert | undefined, password = 'superpass'): Promise<{ status: number | null; output: string }> {
    const host = /PGHOST=(\S+)/.exec(setup.container.command[2])![1];
    return remotePsql(host, 'neursafe', { PGPASSWORD: password, ...movedEnv(setup.container, cert) }, cert === 'setup');
  }

  /**
   * The programs' libpq TLS environment (postgresTlsEnv), with the CA file
   * at `ca`, presenting the set-up Job's certificate (a role of no program
   * needs one of the platform's CA, whatever its subject).
   */
  function programTls(ca: string): Record<string, string> {
    const vars = Object.fromEntries(postgresTlsEnv().map((e) => [e.name, e.value!]));
    expect(vars).toMatchObject({ PGSSLMODE: 'verify-full' });
    return { ...vars, PGSSLROOTCERT: ca, PGSSLCERT: path.join(dir, 'ssl-setup', 'cert.pem'), PGSSLKEY: path.join(dir, 'ssl-setup', 'private.key') };
  }

  /**
   * Expects `attempt` to be refused in the TLS handshake for its client
   * certificate: the server logs that it could not verify it. The client's
   * message is not enough: under TLS 1.3 the client sends its certificate
   * after it considers the handshake done, so a loaded machine may show it
   * only the connection closing.
   */
  async function expectRefusedInHandshake(attempt: () => Promise<{ status: number | null; output: string }>): Promise<void> {
    const refusals = () => (fs.readFileSync(path.join(dir, 'log'), 'utf8').match(/could not accept SSL connection: certificate verify failed/g) ?? []).length;
    const before = refusals();
    const run = await attempt();
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/unknown ca|certificate verify failed|server closed the connection unexpectedly|SSL SYSCALL error/);
    // The server writes its log line as it refuses: wait (briefly) for it.
    for (let i = 0; i < 20 && refusals() === before; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(refusals()).toBe(before + 1);
  }

  const SSL_IN_USE = 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()';
  const CLIENT = 'SELECT inet_client_addr()';

  test('the init container leaves the key as PostgreSQL demands, and the server starts with it serving TLS', async () => {
    const key = fs.statSync(keyFile());
    // The copied key is private to PostgreSQL's user (0600, owned by it), or PostgreSQL would refuse to start.
    expect(key.mode & 0o777).toBe(0o600);
    expect(key.uid).toBe(root ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()) : process.getuid!());
    // The server really runs with TLS on, using the certificate and key from the generated args.
    expect(fs.readFileSync(path.join(dir, 'log'), 'utf8')).not.toMatch(/FATAL/);
    expect((await psql('127.0.0.1', {}, 'SHOW ssl')).output.trim()).toBe('on');
  });

  test('connections through the relay come from 127.0.0.2, which is another host to pg_hba.conf', async () => {
    // Guards the tests below: they test a remote client, not the loopback exemption.
    expect(await psql('another', programTls(path.join(dir, 'ca.crt')), CLIENT)).toEqual({ status: 0, output: '127.0.0.2\n' });
  });

  test('another host without TLS is refused', async () => {
    const run = await psql('another', { PGSSLMODE: 'disable' });
    // A client on another host cannot send passwords and data in the clear.
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/no pg_hba\.conf entry for host "127\.0\.0\.2", user "app", database "neursafe_fl", no encryption/);
  });

  test('another host with the programs\' settings (verify-full, our CA, a name in the certificate) connects, encrypted', async () => {
    const run = await psql('another', programTls(path.join(dir, 'ca.crt')), SSL_IN_USE);
    // The programs, configured as generated, reach the database from other pods, and the session is encrypted.
    expect(run).toEqual({ status: 0, output: 't\n' });
  });

  test('a certificate from our CA that does not name the host dialled is refused (any platform leaf could pose as the database under verify-ca)', async () => {
    // The server's certificate names fl-database; the client dials nsfl-proxy, as if another platform program's certificate answered.
    const run = await psql('another', programTls(path.join(dir, 'ca.crt')), 'SELECT 1', 'nsfl-proxy');
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/does not match host name "nsfl-proxy"/);
    // verify-ca, the old setting, accepts it: only the CA was checked.
    expect(await psql('another', { ...programTls(path.join(dir, 'ca.crt')), PGSSLMODE: 'verify-ca' }, SSL_IN_USE, 'nsfl-proxy')).toEqual({ status: 0, output: 't\n' });
  });

  test('a server certificate not signed by the configured CA is rejected', async () => {
    const run = await psql('another', programTls(path.join(dir, 'other-ca.crt')));
    // A client talks only to the database whose certificate our CA signed, not to an impostor.
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/certificate verify failed/);
  });

  test('loopback without TLS still works (the probes and the image\'s own set-up use it)', async () => {
    const run = await psql('127.0.0.1', { PGSSLMODE: 'disable' }, SSL_IN_USE);
    // The readiness and liveness probes, and the image's init scripts, keep working inside the pod.
    expect(run).toEqual({ status: 0, output: 'f\n' });
    const probe = postgres.readinessProbe.exec.command as string[];
    const ready = spawnSync(probe[0], probe.slice(1), { env: { PATH: process.env.PATH!, PGPORT: String(port), POSTGRES_USER: 'app', POSTGRES_DB: 'neursafe_fl' }, encoding: 'utf8' });
    // The generated readiness probe itself reports the server ready.
    expect(ready.status).toBe(0);
  });

  test('an edge node logs in as the edge role with its own certificate and password, from another host, as generated', async () => {
    const generatedEnv = plainEnv(edge);
    // The generated edge environment: verify-full, the node's own certificate and key from its ssl folder, and the
    // database by name (DB_ADDRESS) at an IP address (PGHOSTADDR).
    expect(generatedEnv).toMatchObject({ PGSSLMODE: 'verify-full', PGSSLCERT: `${SSL_DIR}/cert.pem`, PGSSLKEY: `${SSL_DIR}/private.key`, PGHOSTADDR: '203.0.113.10',
      PGSSLROOTCERT: `${SSL_DIR}/trusted.pem`, DB_ADDRESS: 'database.nsfl.internal:30432' });
    // The task manager runs as root and its ssl folder is mode 0400: libpq accepts a key owned by root with that mode.
    expect(edge.securityContext.runAsUser ?? 0).toBe(0);
    expect(await clientPsql('edge', 'edge')).toEqual({ status: 0, output: 't\n' });
  });

  test('the cloud task manager logs in as its role with its own certificate and password, as generated', async () => {
    expect(plainEnv(clients.cloud.container)).toMatchObject({ PGSSLMODE: 'verify-full', PGSSLCERT: `${SSL_DIR}/cert.pem`, PGSSLKEY: `${SSL_DIR}/private.key` });
    expect(await clientPsql('cloud', 'cloud')).toEqual({ status: 0, output: 't\n' });
    // Without it, or with an edge node's (whose holder knows only the edge role's password anyway), it does not.
    expect((await clientPsql('cloud', undefined)).output).toMatch(/connection requires a valid client certificate/);
    expect((await clientPsql('cloud', 'edge')).status).not.toBe(0);
  });

  test('the edge role without a certificate is refused, even with its password', async () => {
    const run = await clientPsql('edge', undefined);
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/connection requires a valid client certificate/);
  });

  test('the edge role with its certificate but a wrong password is refused (certificate and password)', async () => {
    const run = await clientPsql('edge', 'edge', 'wrong');
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/password authentication failed for user "fl_edge_task_manager"/);
  });

  test('the edge role with another certificate of the platform\'s CA is refused (its subject is not the role\'s name)', async () => {
    // The cloud task manager's subject, and the empty subject of the proxy's and the coordinators' certificates
    // (the coordinators' key is readable by job authors): neither logs in as the edge role.
    for (const cert of ['cloud', 'empty'] as const) {
      const run = await clientPsql('edge', cert);
      expect(run.status).not.toBe(0);
      // The client learns only that the login failed; the server's log says why.
      expect(run.output).toMatch(/authentication failed for user "fl_edge_task_manager"/);
    }
    expect(fs.readFileSync(path.join(dir, 'log'), 'utf8')).toMatch(/certificate validation \(clientcert=verify-full\) failed for user "fl_edge_task_manager": CN mismatch/);
  });

  test('the edge role with the edge nodes\' subject from another CA is refused in the handshake', async () => {
    await expectRefusedInHandshake(() => clientPsql('edge', 'foreign'));
  });

  test.each(['jobScheduler', 'modelManager'] as const)('the %s logs in from another host with its own certificate and password, as generated; without it, with an edge node\'s or another CA\'s it ' +
    'does not', async (client) => {
    const container = clients[client].container;
    // Its generated environment: verify-full, and its database client certificate and key.
    expect(plainEnv(container)).toMatchObject({ PGSSLMODE: 'verify-full', PGSSLCERT: `${DATABASE_CLIENT_DIR}/cert.pem`, PGSSLKEY: `${DATABASE_CLIENT_DIR}/private.key` });
    // It runs as root and its certificate folder is mode 0400: libpq accepts a key owned by root with that mode.
    expect(container.securityContext.runAsUser ?? 0).toBe(0);
    expect(clients[client].commonName).toBe(ROLES[client].role);
    expect(await clientPsql(client, client)).toEqual({ status: 0, output: 't\n' });
    // The password alone no longer logs it in from another host (the NodePort reaches it too).
    const bare = await clientPsql(client, undefined);
    expect(bare.status).not.toBe(0);
    expect(bare.output).toMatch(/connection requires a valid client certificate/);
    // An edge node's certificate (an edge device's key) with this role's password: the subject is not the role's.
    const edgeCert = await clientPsql(client, 'edge');
    expect(edgeCert.status).not.toBe(0);
    expect(edgeCert.output).toMatch(new RegExp(`authentication failed for user "${ROLES[client].role}"`));
    // Its own subject from another CA fails the handshake.
    await expectRefusedInHandshake(() => clientPsql(client, 'foreign'));
  });

  test('the set-up Job logs in as the superuser from another host with its generated environment and certificate, as PostgreSQL\'s user', async () => {
    // The generated Job: psql runs as PostgreSQL's user (not root), the pod's fsGroup is that user's group, and its
    // certificate folder is mode 0440 (root's, readable by that group: libpq accepts a root-owned key up to 0640).
    expect(setup.container.securityContext).toMatchObject({ runAsUser: 999, runAsNonRoot: true });
    expect(setup.pod.securityContext.fsGroup).toBe(999);
    expect(plainEnv(setup.container)).toMatchObject({ PGSSLMODE: 'verify-full', PGSSLCERT: `${DATABASE_CLIENT_DIR}/cert.pem`, PGSSLKEY: `${DATABASE_CLIENT_DIR}/private.key` });
    if (root) {
      const key = fs.statSync(path.join(dir, 'ssl-setup', 'private.key'));
      expect({ uid: key.uid, mode: key.mode & 0o777 }).toEqual({ uid: 0, mode: 0o440 });
    }
    expect(await setupPsql('setup')).toEqual({ status: 0, output: 't\n' });
  });

  test('the superuser with its password but no certificate is refused from another host (the NodePort admits no password alone)', async () => {
    const bare = await setupPsql(undefined);
    expect(bare.status).not.toBe(0);
    expect(bare.output).toMatch(/connection requires a valid client certificate/);
    // Nor any other role of no program.
    const { PGSSLCERT, PGSSLKEY, ...noCertificate } = programTls(path.join(dir, 'ca.crt'));
    expect([PGSSLCERT, PGSSLKEY].every((f) => f !== undefined)).toBe(true);
    const app = await psql('another', noCertificate, SSL_IN_USE);
    expect(app.status).not.toBe(0);
    expect(app.output).toMatch(/connection requires a valid client certificate/);
  });

  test('the superuser with a certificate of another CA is refused in the handshake, and a wrong password with the platform\'s is refused', async () => {
    await expectRefusedInHandshake(() => setupPsql('foreign'));
    const wrong = await setupPsql('setup', 'wrong');
    expect(wrong.status).not.toBe(0);
    expect(wrong.output).toMatch(/password authentication failed for user "neursafe"/);
  });

  test('with allowPlaintext, another host may connect without TLS (and still with it)', async () => {
    fs.writeFileSync(hbaFile(), generated(true).hba);
    asPostgres(path.join(bin!, 'pg_ctl'), ['-D', data, 'reload']);
    // The reload is asynchronous: wait (briefly) until the postmaster has read the new file.
    let run = await psql('another', { PGSSLMODE: 'disable' }, SSL_IN_USE);
    for (let i = 0; i < 50 && run.status !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      run = await psql('another', { PGSSLMODE: 'disable' }, SSL_IN_USE);
    }
    // An operator who opted in to plaintext gets unencrypted connections from other hosts.
    expect(run).toEqual({ status: 0, output: 'f\n' });
    // TLS clients are unaffected by the opt-in.
    expect(await psql('another', programTls(path.join(dir, 'ca.crt')), SSL_IN_USE)).toEqual({ status: 0, output: 't\n' });
    // The edge role still needs TLS and its certificate: the opt-in is for the cloud programs.
    const plain = await clientPsql('edge', 'edge', 'edge-pass', { PGSSLMODE: 'disable' });
    expect(plain.status).not.toBe(0);
    expect(plain.output).toMatch(/pg_hba\.conf rejects connection for host "127\.0\.0\.2", user "fl_edge_task_manager"/);
    expect(await clientPsql('edge', 'edge')).toEqual({ status: 0, output: 't\n' });
    // So do the job scheduler and the model manager: the opt-in keeps password-only logins for the other roles alone.
    for (const client of ['jobScheduler', 'modelManager'] as const) {
      expect((await clientPsql(client, undefined, ROLES[client].password, { PGSSLMODE: 'disable' })).output).toMatch(/pg_hba\.conf rejects connection/);
      expect((await clientPsql(client, undefined)).output).toMatch(/connection requires a valid client certificate/);
      expect(await clientPsql(client, client)).toEqual({ status: 0, output: 't\n' });
    }
    // The superuser, as before the certificates: its password, over TLS without a certificate too.
    expect(await setupPsql(undefined)).toEqual({ status: 0, output: 't\n' });
  });
  test('a renewed certificate is loaded in place by the tls-reload sidecar, without a restart', async () => {
    // cert-manager renews the Secret with a new key, here from a new CA so the switch is visible to clients.
    const caExt = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca2.key', '-out', 'ca2.crt', '-days', '1', '-subj', '/CN=nsfl renewed CA', ...caExt);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server2.key', '-out', 'server2.csr', '-subj', '/CN=fl-database');
    openssl('x509', '-req', '-in', 'server2.csr', '-CA', 'ca2.crt', '-CAkey', 'ca2.key', '-CAcreateserial', '-out', 'server2.crt', '-days', '1', '-extfile', 'server.ext');
    const secretDir = folders.get(init.volumeMounts.find((m: any) => m.name === 'tls-secret').mountPath)!;
    for (const [key, from] of [['tls.key', 'server2.key'], ['tls.crt', 'server2.crt']]) {
      const to = path.join(secretDir, key);
      fs.copyFileSync(path.join(dir, from), to);
      fs.chmodSync(to, pod.volumes.find((v: any) => v.name === 'tls-secret').secret.defaultMode);
    }
    const startedAt = fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0];
    // The sidecar's own script, its paths moved and its wait shortened, as PostgreSQL's user with the pod's environment.
    const sidecar = pod.containers.find((c: any) => c.name === 'tls-reload');
    const script = local(sidecar.command[2]).replace(/while sleep \d+; do/, 'while sleep 0.2; do');
    const env = { PATH: process.env.PATH!, POSTGRES_DB: 'neursafe_fl', PGUSER: 'neursafe', PGPASSWORD: 'superpass', PGPORT: String(port) };
    // Its own process group, so that stopping it also stops its `sleep`.
    const child = root ? spawn('runuser', ['-u', 'postgres', '--', 'sh', '-c', script], { env, detached: true }) : spawn('sh', ['-c', script], { env, detached: true });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    try {
      for (let i = 0; i < 100 && !output.includes('reloaded'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(output).toContain('copied the renewed certificate');
      expect(output).toContain('PostgreSQL reloaded its certificate and pg_hba.conf');
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
    // The copied key is still private to PostgreSQL's user.
    expect(fs.statSync(keyFile()).mode & 0o777).toBe(0o600);
    // New connections get the renewed certificate (signed by the new CA; the old CA no longer verifies it)...
    let run = await psql('another', programTls(path.join(dir, 'ca2.crt')), SSL_IN_USE);
    for (let i = 0; i < 50 && run.status !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      run = await psql('another', programTls(path.join(dir, 'ca2.crt')), SSL_IN_USE);
    }
    expect(run).toEqual({ status: 0, output: 't\n' });
    expect((await psql('another', programTls(path.join(dir, 'ca.crt')))).output).toMatch(/certificate verify failed/);
    // ...from the same server process: the programs' open connections were never cut.
    expect(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]).toBe(startedAt);
  });
});
