/**
 * What the end-to-end tests need on the machine, and `describeE2E`, which
 * skips a suite with a message naming what to install when something is
 * missing, unless REQUIRE_E2E=1 (CI), where a missing piece fails the run.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../../support/platform';

/** The vendored third-party sources (../shared/vendor/ README): NSFL_VENDOR, else ../shared/vendor beside the repository. */
export const VENDOR = path.resolve(ROOT, process.env.NSFL_VENDOR ?? path.join('..', 'shared', 'vendor'));

export const VENDOR_FILES = {
  platform: 'neursafe-federated-learning-89eba90.tar.gz',
  grpclib: 'grpclib-0.4.1.tar.gz',
  luaDns: 'lua-resty-dns-0.21.tar.gz',
} as const;

/** Debian's Python (3.11), not whatever python3 is first on PATH. */
export const PYTHON = '/usr/bin/python3';

/** Files that Debian packages install, with the package. */
const NEEDED: [string, string][] = [
  ['/usr/sbin/nginx', 'nginx'],
  ['/usr/lib/nginx/modules/ngx_stream_module.so', 'libnginx-mod-stream'],
  ['/usr/lib/nginx/modules/ngx_http_lua_module.so', 'libnginx-mod-http-lua'],
  ['/usr/lib/nginx/modules/ndk_http_module.so', 'libnginx-mod-http-ndk'],
  ['/usr/share/lua/5.1/resty/core.lua', 'lua-resty-core'],
  ['/usr/share/lua/5.1/socket/http.lua', 'lua-socket'],
  ['/usr/lib/x86_64-linux-gnu/lua/5.1/cjson.so', 'lua-cjson'],
  ['/usr/bin/openssl', 'openssl'],
  ['/usr/bin/protoc', 'protobuf-compiler'],
  ['/usr/include/google/protobuf/struct.proto', 'libprotobuf-dev'], // the well-known types the platform's protos import (a Recommends of protobuf-compiler)
  ['/usr/sbin/ip', 'iproute2'],
  ['/usr/sbin/iptables', 'iptables'],
  ['/usr/bin/busybox', 'busybox'],
  ['/usr/bin/psql', 'postgresql'],
  [PYTHON, 'python3'],
];

/** Python modules the programs import, with their Debian package. */
const PY_MODULES: [string, string][] = [
  ['tornado', 'python3-tornado'],
  ['psycopg2', 'python3-psycopg2'],
  ['pymongo', 'python3-pymongo'],
  ['boto3', 'python3-boto3'],
  ['kubernetes', 'python3-kubernetes'],
  ['Cryptodome', 'python3-pycryptodome'],
  ['lmdb', 'python3-lmdb'],
  ['psutil', 'python3-psutil'],
  ['watchdog', 'python3-watchdog'],
  ['absl', 'python3-absl'],
  ['h2', 'python3-h2'],
  ['multidict', 'python3-multidict'],
  ['google.protobuf', 'python3-protobuf'],
  ['numpy', 'python3-numpy'],
  ['OpenSSL', 'python3-openssl'],
  ['cryptography', 'python3-cryptography'],
  ['click', 'python3-click'],
];

/** Also needed for the training round. */
const TRAINING_MODULES: [string, string][] = [['torch', 'python3-torch']];

function missing(withTraining: boolean): string[] {
  const out: string[] = [];
  for (const f of Object.values(VENDOR_FILES)) {
    if (!fs.existsSync(path.join(VENDOR, f))) out.push(`the vendored source ${path.join(VENDOR, f)} (set NSFL_VENDOR to the folder holding the vendored sources, ../shared/vendor/)`);
  }
  if (!fs.existsSync('/usr/lib/postgresql') || !fs.readdirSync('/usr/lib/postgresql').some((v) => fs.existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`))) out.push('the Debian package postgresql');
  for (const [file, pkg] of NEEDED) if (!fs.existsSync(file)) out.push(`the Debian package ${pkg} (${file})`);
  if (process.getuid?.() !== 0) out.push('root (network and mount namespaces)');
  if (fs.existsSync(PYTHON)) {
    const mods = [...PY_MODULES, ...(withTraining ? TRAINING_MODULES : [])];
    const run = spawnSync(PYTHON, ['-c', `import importlib.util,sys\nfor m in sys.argv[1:]:\n  print(m if importlib.util.find_spec(m) is None else ` +
      `'')`, ...mods.map(([m]) => m)], { encoding: 'utf8' });
    const absent = new Set(run.stdout.split('\n').filter(Boolean));
    for (const [m, pkg] of mods) if (absent.has(m)) out.push(`the Debian package ${pkg} (Python module ${m})`);
  }
  return out;
}

/** `describe` when everything is installed; else a skipped suite that says what to install (REQUIRE_E2E=1: a failure). */
export function describeE2E(name: string, fn: () => void, options: { training?: boolean } = {}): void {
  const absent = missing(options.training ?? false);
  if (absent.length === 0) {
    describe(name, fn);
    return;
  }
  const message = `${name}: cannot run the end-to-end tests; missing (install the Debian packages named): ${absent.join(', ')}`;
  if (process.env.REQUIRE_E2E === '1') {
    describe(name, () => {
      test('prerequisites are installed (REQUIRE_E2E=1)', () => {
        throw new Error(message);
      });
    });
    return;
  }
  console.warn(`skipped: ${message}`);
  describe.skip(name, fn);
}
