/**
 * The coordinators' private key and the upload endpoint. The job scheduler
 * publishes each FL namespace's key into `<sharedRoot>/<ns>/<coordinatorFolder>/`,
 * the folder the upload endpoint serves as bucket `<ns>`: the embedded
 * endpoint gets an empty folder over it, an external one must deny the
 * prefix, and synth refuses until the config says it does. The key cannot
 * move out of the bucket's folder: the job's `ssl` path is mounted from below
 * the namespace's folder, and a `..` in it is a host path the API server
 * refuses.
 */
import { execFileSync } from 'node:child_process';
import { apiRuleViolations } from './support/api-rules';
import { configErrors, synth, withOverrides } from './support/platform';

const external = { type: 'external', external: { endpoint: 'https://uploads.example.com' } };

describe('TLS with an external upload endpoint', () => {
  test('is refused until the config states that the endpoint denies the coordinators\' folder, with what to do', () => {
    const errors = configErrors(withOverrides({ objectStorage: external, sharedRoot: { namespaces: ['default', 'team-a'] } }));
    expect(errors).toEqual([expect.stringContaining('objectStorage.external.deniesCoordinatorFolder: with TLS and an external upload endpoint')]);
    expect(errors[0]).toContain('/mnt/neursafe_fl/<namespace>/.nsfl-tls/private.key');
    expect(errors[0]).toContain('deny every request for the keys default/.nsfl-tls/, team-a/.nsfl-tls/');
    expect(errors[0]).toContain('then set objectStorage.external.deniesCoordinatorFolder: true');
  });

  test('synthesizes once stated, and without TLS there is no key to protect', () => {
    const stated = synth(withOverrides({ objectStorage: { ...external, external: { ...external.external, deniesCoordinatorFolder: true } } }));
    expect(stated.all('Deployment').map((d) => d.metadata.name)).not.toContain('nsfl-object-storage');
    expect(configErrors(withOverrides({ objectStorage: external, tls: { enabled: false } }))).toEqual([]);
  });

  test('the embedded endpoint needs no statement: the coordinators\' folder is covered in its pod', () => {
    const out = synth();
    const minio = out.get('Deployment', 'nsfl-object-storage', 'neursafe-fl').spec.template.spec;
    const data = minio.containers[0].volumeMounts.map((m: any) => m.mountPath);
    expect(data.some((p: string) => p.endsWith('/default/.nsfl-tls'))).toBe(true);
  });
});

describe('why the key cannot leave the bucket\'s folder', () => {
  /** The job scheduler's host path for a job's `ssl` (job_scheduler/coordinator.py, `append_volume`), run by Python. */
  const hostPathOf = (ssl: string) =>
    execFileSync('python3', ['-c', 'import sys; from os.path import join; print(join(sys.argv[1], "%s/%s" % (sys.argv[2], sys.argv[3].lstrip("/"))))', '/mnt/neursafe_fl', 'default', ssl], {
      encoding: 'utf8',
    }).trim();
  const coordinator = (path: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'default-job1', namespace: 'default' },
    spec: { containers: [{ name: 'coordinator', image: 'nsfl-coordinator:1', volumeMounts: [{ name: 'ssl', mountPath: '/fl/ssl' }] }], volumes: [{ name: 'ssl', hostPath: { path } }] },
  });

  test('a leading "/" is stripped: the path stays below the namespace\'s folder', () => {
    expect(hostPathOf('/.nsfl-tls')).toBe('/mnt/neursafe_fl/default/.nsfl-tls');
  });

  test('"../" would reach a sibling of the buckets, but the API server refuses a host path with ".." (the job scheduler then retries and exits)', () => {
    const escaped = hostPathOf('../.nsfl-keys/default');
    expect(escaped).toBe('/mnt/neursafe_fl/default/../.nsfl-keys/default');
    expect(apiRuleViolations(coordinator(escaped))).toEqual([`Pod/default-job1: /spec/volumes/0/hostPath/path: "${escaped}" must not contain '..'`]);
    expect(apiRuleViolations(coordinator(hostPathOf('.nsfl-tls')))).toEqual([]);
  });
});
