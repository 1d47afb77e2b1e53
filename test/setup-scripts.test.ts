/**
 * The set-up scripts the Jobs and init containers run, executed for real by
 * `sh` on this machine: the Secret generator against a stand-in `kubectl`
 * (a shell script keeping Secrets and the claim's annotation as files), and
 * MinIO's FS-format preparation and the coordinators' certificate folder on
 * temporary folders.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synth } from './support/platform';

const ns = 'neursafe-fl';
const out = synth();

/** A stand-in kubectl: `get secret` and `create secret generic` on files, `get pvc` prints the recorded annotation. */
const FAKE_KUBECTL = `#!/bin/sh
echo "$*" >> "$STATE/calls"
case "$*" in
  *"get secret "*) name=$(echo "$*" | sed 's/.*get secret \\([^ ]*\\).*/\\1/'); [ -f "$STATE/secrets/$name" ] ;;
  *"get pvc "*) cat "$STATE/annotation" 2>/dev/null; exit 0 ;;
  *"create secret generic "*) [ -f "$STATE/fail-create" ] && exit 1; name=$(echo "$*" | sed 's/.*create secret generic \\([^ ]*\\).*/\\1/'); touch "$STATE/secrets/$name" ;;
  *) exit 0 ;;
esac
`;

/** Runs the Secret generator's script in a fresh state; returns its exit code, output and the Secrets that exist afterwards. */
function runGenerator(setup: (state: string) => void): { status: number | null; output: string; secrets: string[] } {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-secrets-'));
  fs.mkdirSync(path.join(state, 'secrets'));
  fs.mkdirSync(path.join(state, 'bin'));
  fs.writeFileSync(path.join(state, 'bin', 'kubectl'), FAKE_KUBECTL, { mode: 0o755 });
  setup(state);
  const script: string = out.get('Job', 'nsfl-generate-secrets', ns).spec.template.spec.containers[0].command[2];
  const run = spawnSync('sh', ['-c', script], { env: { PATH: `${path.join(state, 'bin')}:${process.env.PATH}`, STATE: state }, encoding: 'utf8' });
  const secrets = fs.readdirSync(path.join(state, 'secrets')).sort();
  fs.rmSync(state, { recursive: true, force: true });
  return { status: run.status, output: run.stdout + run.stderr, secrets };
}

describe('the Secret generator', () => {
  test('on a first install it creates every Secret', () => {
    const r = runGenerator(() => {});
    expect(r.status).toBe(0);
    expect(r.secrets).toEqual(['nsfl-database', 'nsfl-db-edge-task-manager', 'nsfl-db-job-scheduler', 'nsfl-db-model-manager', 'nsfl-db-task-manager', 'nsfl-object-storage', 'nsfl-route-token']);
  });

  test('it keeps existing Secrets and creates only the missing ones', () => {
    const r = runGenerator((state) => fs.writeFileSync(path.join(state, 'secrets', 'nsfl-route-token'), ''));
    expect(r.status).toBe(0);
    expect(r.output).toContain('secret nsfl-route-token exists');
    expect(r.secrets).toHaveLength(7);
  });

  test('it refuses to create a new superuser password while the data volume was initialised with the lost one', () => {
    const r = runGenerator((state) => fs.writeFileSync(path.join(state, 'annotation'), 'true'));
    expect(r.status).toBe(1);
    expect(r.output).toContain('ERROR: secret nsfl-database is missing, but the database volume data-nsfl-database-0 holds data');
    expect(r.output).toContain('Restore the Secret from your backup');
    expect(r.secrets).not.toContain('nsfl-database');
  });

  test('a Secret that cannot be created fails the Job at once', () => {
    const r = runGenerator((state) => fs.writeFileSync(path.join(state, 'fail-create'), ''));
    expect(r.status).toBe(1);
    expect(r.output).toContain('ERROR: could not create secret nsfl-route-token');
  });
});

describe("MinIO's FS-format preparation", () => {
  const pod = out.get('Deployment', 'nsfl-object-storage', ns).spec.template.spec;
  const dataPath: string = pod.containers[0].args[1];
  const script: string = pod.initContainers.find((c: any) => c.name === 'format-fs').command[2];
  const run = (dir: string) => spawnSync('sh', ['-c', script.split(dataPath).join(dir)], { encoding: 'utf8' });

  test('writes the FS format file into an empty folder, and leaves it alone on the next start', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-minio-'));
    expect(run(dir).status).toBe(0);
    const file = path.join(dir, '.minio.sys', 'format.json');
    const format = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(format).toMatchObject({ version: '1', format: 'fs', fs: { version: '2' } });
    expect(format.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const second = run(dir);
    expect(second.status).toBe(0);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).id).toBe(format.id);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('stops with a message when the folder was formatted as an erasure set', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-minio-'));
    fs.mkdirSync(path.join(dir, '.minio.sys'));
    fs.writeFileSync(path.join(dir, '.minio.sys', 'format.json'), '{"version":"1","format":"xl","id":"x"}');
    const r = run(dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('not in filesystem (fs) mode');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("the coordinators' certificate folder, published whole", () => {
  const js = out.get('Deployment', 'nsfl-job-scheduler', ns).spec.template.spec;
  const script: string = js.initContainers.find((c: any) => c.name === 'publish-coordinator-certificates').command[2];
  const sourceMount: string = js.initContainers.find((c: any) => c.name === 'publish-coordinator-certificates').volumeMounts.find((m: any) => m.name === 'coordinator-tls').mountPath;
  const files = ['cert.pem', 'private.key', 'trusted.pem'];

  /**
   * The shell the image has: BusyBox's applets only, when this machine has BusyBox (Debian: `apt-get install
   * busybox`; CI installs it), so an option BusyBox lacks fails here as in the pod. Else this machine's sh.
   */
  function shell(base: string): { sh: string; env: NodeJS.ProcessEnv } {
    const busybox = spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim();
    if (busybox === '') return { sh: 'sh', env: process.env };
    const bin = path.join(base, 'bin');
    fs.mkdirSync(bin);
    for (const applet of ['sh', 'mkdir', 'mktemp', 'chmod', 'cmp', 'date', 'cp', 'ln', 'mv', 'readlink', 'rm', 'echo']) {
      fs.symlinkSync(busybox, path.join(bin, applet));
    }
    return { sh: path.join(bin, 'sh'), env: { PATH: bin } };
  }

  /** A shared root and a Secret volume on temporary folders; `publish(v)` puts version v into the Secret and runs the script. */
  function fixture() {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'nsfl-coord-tls-'));
    const { sh, env } = shell(base);
    const [root, source] = [path.join(base, 'root'), path.join(base, 'secret')];
    fs.mkdirSync(path.join(source, 'default'), { recursive: true });
    fs.mkdirSync(root);
    const text = script.split('/workspace/').join(`${root}/`).split(sourceMount).join(source);
    const publish = (version: string) => {
      for (const f of files) fs.writeFileSync(path.join(source, 'default', f), `${f} ${version}\n`);
      const r = spawnSync(sh, ['-c', text], { encoding: 'utf8', env });
      expect({ status: r.status, output: r.stdout + r.stderr }).toMatchObject({ status: 0 });
      return r.stdout;
    };
    const dir = path.join(root, 'default', '.nsfl-tls');
    return { base, dir, publish };
  }

  test('every file is a link through ..data to one complete version: a renewal is one rename, and the previous version stays for a reader in flight', () => {
    const { base, dir, publish } = fixture();
    publish('one');
    for (const f of files) {
      // The coordinator opens <folder>/<file>: it resolves through ..data, to the version the last rename chose.
      expect(fs.readlinkSync(path.join(dir, f))).toBe(`..data/${f}`);
      expect(fs.readFileSync(path.join(dir, f), 'utf8')).toBe(`${f} one\n`);
    }
    const first = fs.readlinkSync(path.join(dir, '..data'));
    expect(fs.statSync(path.join(dir, first)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, first, 'private.key')).mode & 0o777).toBe(0o600);
    // Unchanged Secret: nothing is written.
    expect(publish('one')).toBe('');
    expect(fs.readlinkSync(path.join(dir, '..data'))).toBe(first);
    publish('two');
    const second = fs.readlinkSync(path.join(dir, '..data'));
    expect(second).not.toBe(first);
    for (const f of files) expect(fs.readFileSync(path.join(dir, f), 'utf8')).toBe(`${f} two\n`);
    // Each version folder is complete and of one version; only the current and the previous one are kept.
    publish('three');
    const versions = fs.readdirSync(dir).filter((n) => n.startsWith('..v-')).sort();
    expect(versions).toEqual([second, fs.readlinkSync(path.join(dir, '..data'))].sort());
    for (const v of versions) {
      const tags = files.map((f) => fs.readFileSync(path.join(dir, v, f), 'utf8').split(' ')[1]);
      expect(new Set(tags).size).toBe(1);
    }
    expect(fs.readdirSync(dir).sort()).toEqual(['..data', ...versions, ...files].sort());
    fs.rmSync(base, { recursive: true, force: true });
  });

  test('a folder of an older release (plain files) is taken over by renames, with no moment without a file', () => {
    const { base, dir, publish } = fixture();
    fs.mkdirSync(dir, { recursive: true });
    for (const f of files) fs.writeFileSync(path.join(dir, f), `${f} old\n`);
    publish('new');
    for (const f of files) {
      expect(fs.readlinkSync(path.join(dir, f))).toBe(`..data/${f}`);
      expect(fs.readFileSync(path.join(dir, f), 'utf8')).toBe(`${f} new\n`);
    }
    fs.rmSync(base, { recursive: true, force: true });
  });
});
