/**
 * The platform's programs, ready to run: the vendored sources unpacked into a
 * cache folder (os.tmpdir()/nsfl-e2e-<hash>), their protos compiled with
 * Debian's protoc into *_pb2.py and, with grpclib's own plugin, *_grpc.py;
 * a folder of commands the pods' command lines name (python3.7 is Debian's
 * python3), busybox's applets (for the busybox images' scripts), and the
 * proxy image's Lua folder (the platform's neursafe_fl/proxy/lua/ plus
 * lua-resty-dns, which OpenResty bundles). Built once per content hash, by
 * whichever test file gets there first (an atomic rename publishes it).
 */
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PYTHON, VENDOR, VENDOR_FILES } from './prereq';

export interface Runtime {
  /** The cache folder. Inside pods it is mounted at {@link IN_POD}. */
  readonly dir: string;
  /** Unpacked platform source (holds neursafe_fl/). */
  readonly src: string;
  readonly grpclib: string;
  /** Test-only Python shims (sitecustomize.py). */
  readonly shims: string;
  /** python3.7 and other command names the pod specs use. */
  readonly bin: string;
  /** busybox applets. */
  readonly busybox: string;
  /** The proxy image's /nginx/lua. */
  readonly proxyLua: string;
}

/** Where the cache folder appears inside every pod. */
export const IN_POD = '/nsfl-e2e';

const SHIMS = path.join(__dirname, '..', 'shims');

function contentHash(): string {
  const h = crypto.createHash('sha256');
  for (const f of Object.values(VENDOR_FILES)) h.update(fs.readFileSync(path.join(VENDOR, f)));
  const files = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(d, e.name)) : [path.join(d, e.name)]));
  for (const f of [...files(SHIMS), path.join(__dirname, '..', 'fixtures', 'bin', 'kubectl')].sort()) h.update(f).update(fs.readFileSync(f));
  h.update(fs.readFileSync(__filename));
  return h.digest('hex').slice(0, 16);
}

function layout(dir: string): Runtime {
  return {
    dir,
    src: path.join(dir, 'neursafe-federated-learning'),
    grpclib: path.join(dir, 'grpclib-0.4.1'),
    shims: path.join(dir, 'shims'),
    bin: path.join(dir, 'bin'),
    busybox: path.join(dir, 'busybox'),
    proxyLua: path.join(dir, 'proxy-lua'),
  };
}

/** Inside a pod: the same layout under {@link IN_POD}. */
export const POD_RUNTIME = layout(IN_POD);

/** PYTHONPATH for the programs inside a pod. */
export const POD_PYTHONPATH = [POD_RUNTIME.src, POD_RUNTIME.grpclib, POD_RUNTIME.shims].join(':');

export function prepareRuntime(): Runtime {
  const final = path.join(os.tmpdir(), `nsfl-e2e-${contentHash()}`);
  if (fs.existsSync(path.join(final, '.complete'))) return layout(final);
  const tmp = fs.mkdtempSync(`${final}.tmp-`);
  const rt = layout(tmp);
  for (const f of Object.values(VENDOR_FILES)) execFileSync('tar', ['-xzf', path.join(VENDOR, f), '-C', tmp]);
  fs.cpSync(SHIMS, rt.shims, { recursive: true });

  // grpclib's protoc plugin, run by Debian's Python.
  const plugin = path.join(tmp, 'protoc-gen-python_grpc');
  fs.writeFileSync(plugin, `#!/bin/sh\nPYTHONPATH=${rt.grpclib} exec ${PYTHON} -c 'from grpclib.plugin.main import main; main()'\n`, { mode: 0o755 });
  const protos = fs.readdirSync(path.join(rt.src, 'neursafe_fl', 'proto')).filter((p) => p.endsWith('.proto')).map((p) => path.join('neursafe_fl', 'proto', p));
  execFileSync('protoc', ['-I.', '--python_out=.', `--plugin=protoc-gen-python_grpc=${plugin}`, '--python_grpc_out=.', ...protos], { cwd: rt.src, stdio: 'pipe' });

  // Commands the pod specs name.
  fs.mkdirSync(rt.bin);
  fs.symlinkSync(PYTHON, path.join(rt.bin, 'python3.7'));
  fs.symlinkSync(PYTHON, path.join(rt.bin, 'python3'));
  fs.symlinkSync(PYTHON, path.join(rt.bin, 'python'));
  fs.mkdirSync(path.join(tmp, 'kubectl-bin'));
  fs.copyFileSync(path.join(__dirname, '..', 'fixtures', 'bin', 'kubectl'), path.join(tmp, 'kubectl-bin', 'kubectl'));
  fs.chmodSync(path.join(tmp, 'kubectl-bin', 'kubectl'), 0o755);
  fs.mkdirSync(rt.busybox);
  for (const applet of execFileSync('busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    fs.symlinkSync('/usr/bin/busybox', path.join(rt.busybox, applet));
  }

  // The proxy image's Lua folder: the platform's scripts and resty.dns.resolver (found by lua_package_path "lua/?.lua").
  fs.cpSync(path.join(rt.src, 'neursafe_fl', 'proxy', 'lua'), rt.proxyLua, { recursive: true });
  fs.mkdirSync(path.join(rt.proxyLua, 'resty', 'dns'), { recursive: true });
  fs.copyFileSync(path.join(tmp, 'lua-resty-dns-0.21', 'lib', 'resty', 'dns', 'resolver.lua'), path.join(rt.proxyLua, 'resty', 'dns', 'resolver.lua'));

  fs.writeFileSync(path.join(tmp, '.complete'), '');
  fs.chmodSync(tmp, 0o755);
  try {
    fs.renameSync(tmp, final);
  } catch {
    // Another test file published it first.
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return layout(final);
}
