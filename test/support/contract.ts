/**
 * Rules of the platform's contract (docs/platform.md: uploads, ports, endpoints, database)
 * stated on the generated output, as a reader of dist/ would check them:
 * each returns the violations it finds, as sentences.
 */
import { Synthesized } from './platform';

type Obj = Record<string, any>;

const podSpecOf = (obj: Obj): Obj | undefined => (obj.kind === 'Job' || obj.kind === 'Deployment' || obj.kind === 'StatefulSet' ? obj.spec.template.spec : undefined);
/** A pod's containers, each with the ConfigMaps it takes with envFrom in its env. */
const containersOf = (out: Synthesized, spec: Obj): Obj[] => [...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c) => out.withEnvFrom(c));
const envValue = (c: Obj, name: string): any => (c.env ?? []).find((e: Obj) => e.name === name);
const component = (obj: Obj): string | undefined => obj.metadata.labels?.['app.kubernetes.io/component'];

/** Task manager Deployments with their start-up file. */
function taskManagers(out: Synthesized): { name: string; deployment: Obj; setup: Obj }[] {
  return out.all('Deployment')
    .filter((d) => component(d) === 'task-manager')
    .map((d) => {
      const config = d.spec.template.spec.volumes.find((v: Obj) => v.name === 'config').configMap.name;
      const cm = out.get('ConfigMap', config, d.metadata.namespace);
      return { name: d.metadata.name, deployment: d, setup: JSON.parse(cm.data['task_manager_setup.json']) };
    });
}

/** Every task manager, cloud and edge, listens on a port no other one uses (executor names contain it). */
export function uniqueTaskManagerPorts(out: Synthesized): string[] {
  const owner = new Map<number, string>();
  const problems: string[] = [];
  for (const tm of taskManagers(out)) {
    const container = tm.deployment.spec.template.spec.containers.find((c: Obj) => c.name === 'task-manager');
    if (container.ports[0].containerPort !== tm.setup.port) problems.push(`${tm.name}: container port ${container.ports[0].containerPort} is not its config port ${tm.setup.port}`);
    const other = owner.get(tm.setup.port);
    if (other) problems.push(`${tm.name} and ${other} share port ${tm.setup.port}`);
    owner.set(tm.setup.port, tm.name);
  }
  return problems;
}

/** S3 endpoints carry the scheme boto3 needs; the CLI's API address does not (the CLI adds http://). */
export function endpointSchemes(out: Synthesized): string[] {
  const problems: string[] = [];
  for (const { obj } of out.objects) {
    const spec = podSpecOf(obj);
    for (const c of spec ? containersOf(out, spec) : []) {
      const endpoint = envValue(c, 'STORAGE_ENDPOINT');
      if (endpoint && !/^https?:\/\/[^/\s]+\/?$/.test(endpoint.value)) problems.push(`${obj.metadata.name}/${c.name}: STORAGE_ENDPOINT "${endpoint.value}" has no http(s):// scheme`);
    }
  }
  for (const cm of out.all('ConfigMap').filter((c) => c.metadata.name.endsWith('-endpoints'))) {
    if (!/^https?:\/\//.test(cm.data['data-server'])) problems.push(`${cm.metadata.name}: data-server "${cm.data['data-server']}" has no scheme`);
    if (/^[a-z]+:\/\//.test(cm.data['api-server'])) problems.push(`${cm.metadata.name}: api-server "${cm.data['api-server']}" has a scheme the CLI adds again`);
  }
  return problems;
}

/** No task manager folder lies inside the shared root, whose folders the upload endpoint serves as buckets. */
export function siteFoldersOutsideUploads(out: Synthesized): string[] {
  const scheduler = out.all('Deployment').find((d) => component(d) === 'job-scheduler')!;
  const root: string = envValue(scheduler.spec.template.spec.containers.find((c: Obj) => c.name === 'job-scheduler'), 'SOURCE_MOUNT_PATH').value;
  const storage = out.all('Deployment').find((d) => component(d) === 'object-storage');
  if (storage) {
    const minio = storage.spec.template.spec.containers[0];
    const dataMount = minio.volumeMounts.find((m: Obj) => m.mountPath === minio.args[1]);
    const served = storage.spec.template.spec.volumes.find((v: Obj) => v.name === dataMount.name).hostPath.path;
    if (served !== root) return [`the object storage serves ${served}, not the shared root ${root}`];
  }
  return taskManagers(out).flatMap((tm) =>
    tm.deployment.spec.template.spec.volumes
      .filter((v: Obj) => v.hostPath && (v.hostPath.path === root || v.hostPath.path.startsWith(`${root}/`)))
      .map((v: Obj) => `${tm.name}: folder ${v.hostPath.path} is inside the upload endpoint's data folder ${root}`),
  );
}

/** Only the database itself and the set-up Jobs hold the embedded database's superuser Secret. */
export function superuserOnlyForSetup(out: Synthesized): string[] {
  const db = out.all('StatefulSet').find((s) => component(s) === 'database');
  if (!db) return [];
  const superuser = envValue(db.spec.template.spec.containers[0], 'POSTGRES_PASSWORD').valueFrom.secretKeyRef.name;
  const problems: string[] = [];
  for (const { obj } of out.objects) {
    const spec = podSpecOf(obj);
    if (!spec || obj === db || (obj.kind === 'Job' && component(obj) === 'setup')) continue;
    for (const c of containersOf(out, spec)) {
      for (const e of c.env ?? []) {
        if (e.valueFrom?.secretKeyRef?.name === superuser) problems.push(`${obj.kind} ${obj.metadata.name}/${c.name} reads the superuser Secret ${superuser} (${e.name})`);
      }
    }
  }
  return problems;
}

/** The tables the set-up creates are exactly the programs' collections, and edge task managers log in as a user of their own. */
export function tablesMatchPrograms(out: Synthesized): string[] {
  const used = new Set<string>();
  const users = new Map<string, Set<string>>();
  for (const { obj } of out.objects) {
    const spec = podSpecOf(obj);
    if (!spec || obj.kind === 'Job') continue;
    for (const c of containersOf(out, spec)) {
      const collection = envValue(c, 'DB_COLLECTION_NAME');
      if (!collection) continue;
      used.add(collection.value);
      const secret = envValue(c, 'DB_PASSWORD').valueFrom.secretKeyRef.name;
      const who = obj.metadata.name.includes('-edge-') ? 'edge task manager' : `${collection.value} program`;
      users.set(secret, new Set([...(users.get(secret) ?? []), who]));
    }
  }
  const setup = out.all('ConfigMap').find((c) => c.metadata.name.endsWith('-database-setup'));
  if (!setup) return ['no database set-up ConfigMap'];
  const created = setup.data['setup.sql']
    ? [...(setup.data['setup.sql'] as string).matchAll(/CREATE TABLE IF NOT EXISTS (\w+)/g)].map((m) => m[1])
    : (JSON.parse(/for \(const c of (\[[^\]]*\])\)/.exec(setup.data['setup.js'])![1]) as string[]);
  const problems: string[] = [];
  if ([...used].sort().join() !== [...new Set(created)].sort().join()) problems.push(`tables created: ${created.join(', ')}; collections the programs use: ${[...used].sort().join(', ')}`);
  const embedded = out.all('StatefulSet').some((s) => component(s) === 'database');
  if (embedded) {
    for (const [secret, who] of users) if (who.size > 1) problems.push(`Secret ${secret} is shared by ${[...who].join(' and ')}`);
  }
  return problems;
}

/** Every rule above. */
export function contractViolations(out: Synthesized): string[] {
  return [uniqueTaskManagerPorts, endpointSchemes, siteFoldersOutsideUploads, superuserOnlyForSetup, tablesMatchPrograms].flatMap((rule) => rule(out));
}
