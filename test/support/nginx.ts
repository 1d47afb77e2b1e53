/**
 * A real nginx for the tests that run the generated nginx.conf files: the
 * binary, the dynamic modules a stock Debian nginx needs for them (stream,
 * and the Lua module the proxy's http block uses), openssl, and the
 * platform's Lua files with the resolver library they require. Without them
 * the tests are skipped, unless REQUIRE_E2E=1, where their absence fails the
 * run. Runs nginx in the foreground, each instance with its own prefix
 * folder and pid file.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

/** Where the platform's source and lua-resty-dns are (tarballs). */
const VENDOR = process.env.NSFL_VENDOR ?? '/work/shared/vendor';
const PLATFORM_TARBALL = path.join(VENDOR, 'neursafe-federated-learning-89eba90.tar.gz');
const RESTY_DNS_TARBALL = path.join(VENDOR, 'lua-resty-dns-0.21.tar.gz');
const MODULES = '/usr/lib/nginx/modules';
/** The dynamic modules of Debian's nginx the proxy's file needs, in load order (ndk before Lua). */
const MODULE_FILES = ['ngx_stream_module.so', 'ndk_http_module.so', 'ngx_http_lua_module.so'];

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = path.join(dir, cmd);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/** What is missing to run nginx with the proxy's configuration; [] when nothing is. */
function missing(): string[] {
  const out: string[] = [];
  if (!which('nginx')) out.push('nginx (apt-get install nginx libnginx-mod-stream libnginx-mod-http-lua)');
  for (const m of MODULE_FILES) if (!fs.existsSync(path.join(MODULES, m))) out.push(`${MODULES}/${m}`);
  if (!which('openssl')) out.push('openssl');
  if (!which('curl')) out.push('curl');
  for (const t of [PLATFORM_TARBALL, RESTY_DNS_TARBALL]) if (!fs.existsSync(t)) out.push(`${t} (set NSFL_VENDOR)`);
  return out;
}

const absent = missing();
if (absent.length > 0 && process.env.REQUIRE_E2E === '1') throw new Error(`REQUIRE_E2E=1 but the real-nginx tests lack: ${absent.join(', ')}`);
if (absent.length > 0) console.warn(`skipping the real-nginx tests: missing ${absent.join(', ')} (REQUIRE_E2E=1 makes this an error)`);

/** `describe` when nginx and the rest are there, else `describe.skip`. */
export const describeWithNginx = absent.length === 0 ? describe : describe.skip;

/** The `-g` directives that load the dynamic modules. */
function loadModules(): string {
  return MODULE_FILES.map((m) => `load_module ${path.join(MODULES, m)};`).join(' ');
}

/**
 * Copies the platform's proxy Lua files (neursafe_fl/proxy/lua) and
 * lua-resty-dns's resolver into `<prefix>/lua/`, where the proxy's
 * `lua_package_path "lua/?.lua;;"` looks, relative to the prefix.
 */
export function installProxyLua(prefix: string, scratch: string): void {
  const lua = path.join(prefix, 'lua');
  fs.mkdirSync(path.join(lua, 'resty', 'dns'), { recursive: true });
  fs.mkdirSync(scratch, { recursive: true });
  execFileSync('tar', ['xzf', PLATFORM_TARBALL, '-C', scratch, '--wildcards', '*/neursafe_fl/proxy/lua/*']);
  execFileSync('tar', ['xzf', RESTY_DNS_TARBALL, '-C', scratch, '--wildcards', '*/lib/resty/dns/resolver.lua']);
  const find = (name: string) => execFileSync('find', [scratch, '-path', name], { encoding: 'utf8' }).trim().split('\n').filter((l) => l !== '');
  for (const f of find('*/neursafe_fl/proxy/lua/*.lua')) fs.copyFileSync(f, path.join(lua, path.basename(f)));
  fs.copyFileSync(find('*/lib/resty/dns/resolver.lua')[0], path.join(lua, 'resty', 'dns', 'resolver.lua'));
}

/** A running nginx and what it wrote to stderr (its error log, where the configs send it; kept in `<prefix>/logs`). */
export interface Nginx {
  readonly process: ChildProcess;
  /** stderr so far. */
  log(): string;
  /** Stops it and waits until it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts nginx in the foreground with `conf` in the prefix folder (`-p`, also its working directory),
 * its own pid file, and the dynamic modules; resolves once `port` accepts
 * connections. Fails with nginx's output when the file does not load.
 */
export async function startNginx(prefix: string, conf: string, port: number, env: Record<string, string> = {}): Promise<Nginx> {
  fs.mkdirSync(path.join(prefix, 'logs'), { recursive: true });
  const file = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(file, conf);
  // The generated files leave the pid file to nginx's default (a tunnel names its own): move it, once.
  const pid = /^pid /m.test(conf) ? '' : ` pid ${path.join(prefix, 'nginx.pid')};`;
  // Files, not pipes: nginx opens /dev/stderr and /dev/stdout by name, which fails on the sockets Node's pipes are.
  const logFile = path.join(prefix, 'logs', 'stderr.log');
  const stderrFd = fs.openSync(logFile, 'w');
  const stdoutFd = fs.openSync(path.join(prefix, 'logs', 'stdout.log'), 'w');
  const child = spawn(which('nginx')!, ['-p', prefix, '-c', file, '-g', `${loadModules()}${pid} daemon off;`], {
    env: { PATH: process.env.PATH!, ...env },
    // The working directory is the prefix, as the proxy's image runs it: Lua's package path "lua/?.lua" is relative to it.
    cwd: prefix,
    stdio: ['ignore', stdoutFd, stderrFd],
  });
  fs.closeSync(stderrFd);
  fs.closeSync(stdoutFd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stderr = () => fs.readFileSync(logFile, 'utf8');
  const nginx: Nginx = {
    process: child,
    log: stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx did not start with ${file}:\n${stderr()}`);
    if (await accepts(port)) return nginx;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await nginx.stop();
  throw new Error(`nginx started with ${file} but port ${port} never accepted:\n${stderr()}`);
}

/** Whether 127.0.0.1:port accepts a TCP connection. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A TCP port free on 127.0.0.1 now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
