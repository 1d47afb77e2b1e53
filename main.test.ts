/**
 * The CLI and the committed output: dist/ is what `npm run synth` writes,
 * synthesis is deterministic, and bad input leaves the output untouched.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EXIT } from './lib/exit-codes';
import { MARKER } from './lib/outdir/folder';
import { readTree, run } from './test/support/cli';
import { DEFAULT_CONFIG, ROOT, synth, withOverrides } from './test/support/platform';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the files the programs read, for review: a change to any of them shows in this snapshot', () => {
  const out = synth();
  const ns = 'neursafe-fl';
  const data = (name: string) => out.get('ConfigMap', name, ns).data;
  expect({
    'proxy nginx.conf': data('nsfl-proxy')['nginx.conf'],
    'client selector selector.json': data('nsfl-client-selector')['selector.json'],
    'cloud task manager task_manager_setup.json': data('nsfl-task-manager')['task_manager_setup.json'],
    'edge task manager task_manager_setup.json': data('nsfl-edge-edge-node-1')['task_manager_setup.json'],
    'database set-up setup.sql': data('nsfl-database-setup')['setup.sql'],
  }).toMatchSnapshot();
});

test('committed dist/ is exactly what `npm run synth` writes for platform.yaml', () => {
  const out = path.join(tmp, 'dist');
  expect(run(['synth', '--config', path.join(ROOT, 'platform.yaml'), '--outdir', out]).code).toBe(0);
  const committed = readTree(path.join(ROOT, 'dist'));
  const fresh = readTree(out);
  expect([...committed.keys()]).toEqual([...fresh.keys()]);
  for (const [file, text] of fresh) expect({ file, text: committed.get(file) }).toEqual({ file, text });
});

test('two synths of the same config give identical bytes', () => {
  const a = path.join(tmp, 'a');
  const b = path.join(tmp, 'b');
  const config = path.join(ROOT, 'platform.yaml');
  expect(run(['synth', '--config', config, '--outdir', a]).code).toBe(0);
  expect(run(['synth', '--config', config, '--outdir', b]).code).toBe(0);
  expect(readTree(b)).toEqual(readTree(a));
});

test('`cdk8s synth` works too: the output folder comes from CDK8S_OUTDIR, as the cdk8s CLI sets it', () => {
  const out = path.join(tmp, 'cdk8s-out');
  const saved = process.env.CDK8S_OUTDIR;
  process.env.CDK8S_OUTDIR = out;
  try {
    expect(run(['synth', '--config', path.join(ROOT, 'platform.yaml')]).code).toBe(0);
  } finally {
    if (saved === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = saved;
  }
  expect(readTree(out)).toEqual(readTree(path.join(ROOT, 'dist')));
});

test('synth replaces a folder it wrote: stale files disappear', () => {
  const out = path.join(tmp, 'dist');
  fs.mkdirSync(path.join(out, 'edge'), { recursive: true });
  fs.writeFileSync(path.join(out, MARKER), '');
  fs.writeFileSync(path.join(out, 'edge', 'removed-node.k8s.yaml'), 'stale');
  expect(run(['synth', '--config', path.join(ROOT, 'platform.yaml'), '--outdir', out]).code).toBe(0);
  expect(fs.existsSync(path.join(out, 'edge', 'removed-node.k8s.yaml'))).toBe(false);
  expect(fs.existsSync(path.join(out, '20-platform.k8s.yaml'))).toBe(true);
});

describe('bad input', () => {
  const prepareDist = () => {
    const out = path.join(tmp, 'dist');
    expect(run(['synth', '--config', path.join(ROOT, 'platform.yaml'), '--outdir', out]).code).toBe(0);
    return { out, before: readTree(out) };
  };

  test('a config with errors exits 1, prints every error with file:line:col and path, and leaves dist/ byte-for-byte as it was', () => {
    const { out, before } = prepareDist();
    const bad = path.join(tmp, 'bad.yaml');
    fs.writeFileSync(bad, withOverrides({ proxy: { grpcPort: 70000 }, jobScheduler: { prot: 1 } }));
    const r = run(['synth', '--config', bad, '--outdir', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: error: proxy\\.grpcPort: must be a port number from 1 to 65535, found number 70000`));
    expect(r.stderr).toMatch(/:\d+:\d+: error: jobScheduler\.prot: unknown field "prot"/);
    expect(r.stderr).toMatch(/2 errors in .*nothing was written/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(readTree(out)).toEqual(before);
  });

  test('a missing config file is a clear error, not a stack trace', () => {
    const { out, before } = prepareDist();
    const r = run(['synth', '--config', path.join(tmp, 'nope.yaml'), '--outdir', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nope.yaml: error: cannot read the config: file not found');
    expect(readTree(out)).toEqual(before);
  });

  test('invalid YAML is reported with its line', () => {
    const bad = path.join(tmp, 'bad.yaml');
    fs.writeFileSync(bad, 'name: a\nname: b\n');
    const r = run(['synth', '--config', bad, '--outdir', path.join(tmp, 'out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml:2:1: error: invalid YAML: Map keys must be unique/);
    expect(fs.existsSync(path.join(tmp, 'out'))).toBe(false);
  });

  test('an unknown command or flag is a usage error (exit 2)', () => {
    expect(run(['deploy']).code).toBe(EXIT.usage);
    expect(run(['--frobnicate']).code).toBe(EXIT.usage);
  });

  test('a config named without --config is a usage error, not a silent synth of platform.yaml', () => {
    const out = path.join(tmp, 'out');
    const r = run(['synth', 'myconfig.yaml', '--outdir', out]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toContain('unexpected argument "myconfig.yaml"');
    expect(r.stderr).toContain('usage: npm run synth');
    expect(fs.existsSync(out)).toBe(false);
    expect(run(['join', '--check']).code).toBe(EXIT.usage);
  });
});

test('warnings are printed and do not stop synthesis', () => {
  // The bundled config has none; plaintext to the database from other hosts is warned.
  const config = path.join(tmp, 'platform.yaml');
  fs.writeFileSync(config, withOverrides({ tls: { plaintextDatabase: true } }));
  const r = run(['synth', '--config', config, '--outdir', path.join(tmp, 'out')]);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/platform\.yaml:\d+:\d+: warning: tls\.plaintextDatabase/);
  expect(r.stderr).toMatch(/platform\.yaml:\d+:\d+: warning: database\.embedded\.edgeNodePort/);
  expect(r.stdout).toMatch(/wrote \d+ files/);
});

test('`join` prints one keadm join line per enabled edge node with its labels, and none with a token value', () => {
  const r = run(['join', '--config', path.join(ROOT, 'platform.yaml')]);
  expect(r.code).toBe(0);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('keadm join'));
  expect(lines).toEqual([
    'keadm join --cloudcore-ipport=203.0.113.10:10000 --token="$KEADM_TOKEN" --edgenode-name=edge-node-1 --labels=kubernetes.io/cluster_id=edge-node-1',
    'keadm join --cloudcore-ipport=203.0.113.10:10000 --token="$KEADM_TOKEN" --edgenode-name=edge-node-2 --labels=kubernetes.io/cluster_id=edge-node-2',
  ]);
  expect(run(['join', '--config', path.join(ROOT, 'platform.yaml'), 'no-such-node']).code).toBe(1);
});

test('the bundled config is the one the README and cdk8s.yaml name', () => {
  expect(DEFAULT_CONFIG).toMatch(/^# yaml-language-server: \$schema=\.\/schema\/platform\.schema\.json/);
  expect(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8')).toMatch(/app: node scripts\/run\.js main\.ts synth/);
});
