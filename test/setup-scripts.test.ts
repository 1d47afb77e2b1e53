/**
 * The set-up scripts the Jobs and init containers run, executed for real by
 * `sh` on this machine: the Secret generator against a stand-in `kubectl`
 * (a shell script keeping Secrets and the claim's annotation as files), and
 * MinIO's FS-format preparation on a temporary folder.
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
